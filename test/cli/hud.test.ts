import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";

const vaults: string[] = [];
afterAll(() => {
  for (const v of vaults) rmSync(v, { recursive: true, force: true });
});
function vault(): string {
  const v = tempVault();
  vaults.push(v);
  return v;
}

describe("ember hud", () => {
  test("prints the HUD line once, as plain text, without tmux", async () => {
    const v = vault();
    const { code, stdout } = await runEmber(["hud"], { vault: v });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\S*ember-e2e-\S+ \| (ok|degraded|failed) \| no model \| mem \d+\.\d\/\d+\.\dG( \| \d+°C)? \| \d\d:\d\d$/,
    );
    expect(stdout).not.toContain("#[");
  });

  test("--width fits it; --json gives the state", async () => {
    const v = vault();
    const narrow = await runEmber(["hud", "--width", "30"], { vault: v });
    expect(Bun.stringWidth(narrow.stdout.trimEnd())).toBeLessThanOrEqual(30);
    expect(narrow.stdout).toContain("no model");
    const json = await runEmber(["hud", "--json"], { vault: v });
    const state = JSON.parse(json.stdout);
    expect(state).toMatchObject({ vault: v, model: { state: "none" } });
    expect(["ok", "degraded", "failed"]).toContain(state.health);
  });

  test("a width that is not a number is refused in one line, with the synopsis", async () => {
    const result = await runEmber(["hud", "--width", "wide"], { vault: vault() });
    expect(result.code).toBe(2);
    const [message, synopsis] = result.stderr.split("\n");
    expect(message).toBe("ember hud: --width wide: expected a whole number of columns");
    expect(synopsis).toBe("usage: ember hud [--width WIDTH] [--json]");
  });
});
