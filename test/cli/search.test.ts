import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEmber } from "../helpers/ember-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-search-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "docs"));
writeFileSync(
  join(dir, "docs", "wifi.md"),
  "# Network\n\n## Wifi\n\nThe wifi password is on the label under the case.\n",
);
writeFileSync(join(dir, "docs", "power.md"), "# Power\n\nUse the 27 W supply.\n");

describe("ember index and ember search", () => {
  test("index reports what it read; a second run reads only what changed", async () => {
    const first = JSON.parse((await runEmber(["index", "--json"], { vault: dir })).stdout);
    expect(first.added).toBe(2);
    const again = JSON.parse((await runEmber(["index", "--json"], { vault: dir })).stdout);
    expect([again.added, again.updated, again.unchanged]).toEqual([0, 0, 2]);
    writeFileSync(join(dir, "docs", "power.md"), "# Power\n\nUse the official 27 W supply.\n");
    const changed = JSON.parse((await runEmber(["index", "--json"], { vault: dir })).stdout);
    expect([changed.added, changed.updated, changed.unchanged]).toEqual([0, 1, 1]);
    const text = await runEmber(["index"], { vault: dir });
    expect(text.stdout).toMatch(
      /indexed .*: 2 files \(0 added, 0 updated, 0 removed, 2 unchanged, 0 skipped\)/,
    );
  }, 120_000);

  test("search shows file, heading and score, as text or JSON", async () => {
    const json = JSON.parse(
      (await runEmber(["search", "--json", "wifi", "password"], { vault: dir })).stdout,
    );
    expect(json.query).toBe("wifi password");
    expect(json.hits[0]).toMatchObject({ path: "docs/wifi.md", heading: "Network > Wifi" });
    expect(json.hits[0].score).toBeGreaterThan(0);
    const text = await runEmber(["search", "wifi"], { vault: dir });
    expect(text.stdout).toMatch(/^docs\/wifi\.md:\d+ · Wifi \(score [\d.e+-]+\)$/m);
    expect(text.stdout).toContain("password is on the label");
    const none = await runEmber(["search", "zebra"], { vault: dir });
    expect(none.stdout).toContain('matches "zebra"');
  }, 120_000);
});
