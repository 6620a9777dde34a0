import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LlamaBridge } from "../../src/llm/bridge.ts";
import { PrefixCache } from "../../src/llm/prefix-cache.ts";
import { TEST_THREADS, testLlama, tinyModelPath } from "../helpers/models.ts";

let bridge: LlamaBridge;
const vaultDir = mkdtempSync(join(tmpdir(), "ember-prefix-"));

beforeAll(async () => {
  const llama = await testLlama();
  bridge = await LlamaBridge.open({
    modelPath: tinyModelPath(),
    threads: TEST_THREADS,
    contextSize: 1024,
    llama,
  });
});
afterAll(async () => {
  await bridge.dispose();
  rmSync(vaultDir, { recursive: true, force: true });
});

const prefixOf = (text: string) => bridge.renderChat([{ type: "system", text }]).slice(0, -3);

describe("PrefixCache", () => {
  test("a saved prefix loads back into an empty sequence without evaluating it", async () => {
    const cache = new PrefixCache({ vaultDir });
    const prefix = prefixOf("static instructions and documents");
    await bridge.sequence.clearHistory();
    await bridge.evaluate(prefix);
    const file = await cache.save(bridge, prefix);
    expect(file.startsWith(join(vaultDir, "state", "prefix-cache"))).toBe(true);
    expect(existsSync(file.replace(/\.bin$/, ".json"))).toBe(true);

    await bridge.sequence.clearHistory();
    expect(await cache.load(bridge, prefix)).toBe(true);
    expect(bridge.contextTokens).toEqual(prefix);
    const after = await bridge.evaluate(prefix);
    expect(after.evaluatedTokens).toBe(0);
  });

  test("another prefix is a miss; a .bin without its .json (an unfinished save) is never loaded", async () => {
    const cache = new PrefixCache({ vaultDir });
    await bridge.sequence.clearHistory();
    expect(await cache.load(bridge, prefixOf("something never saved"))).toBe(false);
    const prefix = prefixOf("saved but its metadata lost");
    await bridge.evaluate(prefix);
    const file = await cache.save(bridge, prefix);
    rmSync(file.replace(/\.bin$/, ".json"));
    await bridge.sequence.clearHistory();
    expect(await cache.load(bridge, prefix)).toBe(false);
    expect(bridge.contextTokens).toEqual([]);
  });

  test("keeps only the newest few prefixes", async () => {
    const cache = new PrefixCache({ vaultDir, maxFiles: 2 });
    for (const n of [1, 2, 3, 4]) {
      const prefix = prefixOf(`prefix number ${n}`);
      await bridge.sequence.clearHistory();
      await bridge.evaluate(prefix);
      await cache.save(bridge, prefix);
      await Bun.sleep(5);
    }
    const saved = readdirSync(cache.dir).filter((n) => n.endsWith(".bin"));
    expect(saved).toHaveLength(2);
    expect(saved).toContain(cache.fileFor(bridge, prefixOf("prefix number 4")).split("/").pop()!);
  });
});
