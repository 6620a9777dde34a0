/**
 * Fault class: offline updates judged by a wrong clock. A Pi with no RTC battery and no network
 * boots with an old clock; a genuine manifest carried on a USB stick must still be taken. Its
 * verified `published` time becomes the node's clock floor (kept in the vault), so an expired
 * manifest is refused by a clock that is ahead of it, and by a clock that is behind but has
 * already seen a later release.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEmber } from "../helpers/ember-cli.ts";
import { fakeBinary } from "../update/fixtures/binaries.ts";
import { publishToFolder, testKey } from "../update/fixtures/channel.ts";
import { installDir } from "../update/fixtures/install-dir.ts";

const root = mkdtempSync(join(tmpdir(), "ember-update-clock-"));
const install = installDir("0.1.0", root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const key = testKey();
const DAY = 86_400_000;
const vault = join(root, "vault");
mkdirSync(vault);
const systemConfig = join(root, "ember.yml");
writeFileSync(systemConfig, `update:\n  publicKeys:\n    - ${key.publicKeyBase64}\n`);

/** A USB stick holding a channel signed with `published`/`expires` relative to the real clock. */
function stick(name: string, publishedInDays: number, expiresInDays: number): string {
  return publishToFolder(join(root, name), {
    version: "0.2.0",
    binary: fakeBinary("0.2.0"),
    key,
    published: new Date(Date.now() + publishedInDays * DAY),
    expires: new Date(Date.now() + expiresInDays * DAY),
  });
}

const check = (channel: string) =>
  runEmber(["upgrade", "--check", "--channel", channel, "--install-path", install.path], {
    vault,
    env: { EMBER_SYSTEM_CONFIG: systemConfig },
  });

describe("offline updates and the node's clock", () => {
  test("a node whose clock is 2 years behind takes a genuine manifest, and remembers its time", async () => {
    // Published 2 years after this clock: exactly what a node 2 years behind sees.
    const run = await check(stick("future", 730, 820));
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("ember 0.2.0 is available");
    expect(run.code).toBe(0);
    const floor = Date.parse(readFileSync(join(vault, "state", "clock-floor"), "utf8").trim());
    expect(floor).toBeGreaterThan(Date.now() + 729 * DAY);
  });

  test("a clock ahead of an expired manifest refuses it in one line", async () => {
    const run = await check(stick("expired", -100, -10));
    expect(run.stderr).toMatch(/^ember upgrade: manifest\.json expired at \S+ \(now here: \S+\): .*\n$/);
    expect(run.code).toBe(1);
  });

  test("a manifest current by the clock but expired before the floor is refused (a replayed old release)", async () => {
    const run = await check(stick("replayed", -1, 30));
    expect(run.stderr).toMatch(/^ember upgrade: manifest\.json expired at /);
    expect(run.code).toBe(1);
    // The floor never moves backward.
    const floor = Date.parse(readFileSync(join(vault, "state", "clock-floor"), "utf8").trim());
    expect(floor).toBeGreaterThan(Date.now() + 729 * DAY);
  });
});
