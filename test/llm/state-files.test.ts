import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { STATE_LIMITS, StateFiles } from "../../src/llm/state-files.ts";
import { openTinyBridge } from "../helpers/models.ts";

let bridge: LlamaBridge;
const vaultDir = mkdtempSync(join(tmpdir(), "ember-states-"));

beforeAll(async () => {
  bridge = await openTinyBridge(1024);
});
afterAll(async () => {
  await bridge.dispose();
  rmSync(vaultDir, { recursive: true, force: true });
});

const prefixOf = (text: string) => bridge.renderChat([{ type: "system", text }]).slice(0, -3);

async function evaluated(text: string) {
  const tokens = prefixOf(text);
  await bridge.sequence.clearHistory();
  await bridge.evaluate(tokens);
  return tokens;
}

describe("StateFiles", () => {
  test("a saved state loads back into an empty sequence without evaluating it", async () => {
    const states = new StateFiles({ vaultDir, ...STATE_LIMITS.prefix });
    const prefix = await evaluated("static instructions and documents");
    const file = await states.save("one", bridge.sequence, bridge.info.path, { note: 1 });
    expect(file).toBe(join(vaultDir, "state", "prefix-cache", "one.bin"));
    expect(existsSync(file.replace(/\.bin$/, ".json"))).toBe(true);
    expect(states.peek<{ note: number }>("one")).toEqual({ tokens: prefix, extra: { note: 1 } });

    await bridge.sequence.clearHistory();
    expect(await states.load("one", bridge.sequence, prefix)).toEqual({ tokens: prefix, extra: { note: 1 } });
    expect(bridge.contextTokens).toEqual(prefix);
    expect((await bridge.evaluate(prefix)).evaluatedTokens).toBe(0);
  });

  test("a store that does not outlive its process (no fsync) saves and loads the same, no temp left", async () => {
    const states = new StateFiles({
      vaultDir,
      folder: "swap",
      maxFiles: 4,
      maxBytes: 1 << 30,
      durable: false,
    });
    const prefix = await evaluated("swapped out for another pane");
    await states.save("pane", bridge.sequence, bridge.info.path, { pane: 2 });
    expect(readdirSync(join(vaultDir, "swap")).sort()).toEqual(["pane.bin", "pane.json"]);
    await bridge.sequence.clearHistory();
    expect(await states.load("pane", bridge.sequence, prefix)).toEqual({
      tokens: prefix,
      extra: { pane: 2 },
    });
    expect(bridge.contextTokens).toEqual(prefix);
  });

  test("other tokens are a miss; a .bin without its .json (an unfinished save) is never loaded", async () => {
    const states = new StateFiles({ vaultDir, ...STATE_LIMITS.prefix });
    await bridge.sequence.clearHistory();
    expect(await states.load("never", bridge.sequence)).toBeUndefined();
    const prefix = await evaluated("saved but its metadata lost");
    const file = await states.save("lost", bridge.sequence, bridge.info.path, {});
    expect(await states.load("lost", bridge.sequence, prefixOf("not what was saved"))).toBeUndefined();
    rmSync(file.replace(/\.bin$/, ".json"));
    await bridge.sequence.clearHistory();
    expect(await states.load("lost", bridge.sequence, prefix)).toBeUndefined();
    expect(bridge.contextTokens).toEqual([]);
  });

  test("bounded in count and bytes, least recently used removed first", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ember-states-bound-"));
    try {
      const byCount = new StateFiles({ vaultDir: dir, folder: "a", maxFiles: 2, maxBytes: 1 << 30 });
      for (const n of [1, 2, 3, 4]) {
        await evaluated(`prefix number ${n}`);
        await byCount.save(`s${n}`, bridge.sequence, bridge.info.path, {});
        await Bun.sleep(5);
      }
      expect(
        readdirSync(byCount.dir)
          .filter((n) => n.endsWith(".bin"))
          .sort(),
      ).toEqual(["s3.bin", "s4.bin"]);

      await evaluated("size probe");
      const probe = new StateFiles({ vaultDir: dir, folder: "probe", maxFiles: 9, maxBytes: 1 << 30 });
      const size = statSync(await probe.save("p", bridge.sequence, bridge.info.path, {})).size;
      const byBytes = new StateFiles({
        vaultDir: dir,
        folder: "b",
        maxFiles: 9,
        maxBytes: Math.floor(size * 2.5),
      });
      for (const n of [1, 2, 3, 4]) {
        await evaluated(`size probe ${n}`.slice(0, 10));
        await byBytes.save(`s${n}`, bridge.sequence, bridge.info.path, {});
        await Bun.sleep(5);
      }
      expect(
        readdirSync(byBytes.dir)
          .filter((n) => n.endsWith(".bin"))
          .sort(),
      ).toEqual(["s3.bin", "s4.bin"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
