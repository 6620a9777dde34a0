import { describe, expect, test } from "bun:test";
import { SeededRandom } from "../../../scripts/gguf/seeded-random.ts";

const draws = (random: SeededRandom, count: number) =>
  Array.from({ length: count }, () => random.nextUint32());

describe("SeededRandom", () => {
  test("the same seed and stream give the same sequence", () => {
    expect(draws(new SeededRandom(42, "blk.0.attn_q.weight"), 8)).toEqual(
      draws(new SeededRandom(42, "blk.0.attn_q.weight"), 8),
    );
  });

  test("another seed or another stream gives another sequence", () => {
    const base = draws(new SeededRandom(42, "a"), 8);
    expect(draws(new SeededRandom(43, "a"), 8)).not.toEqual(base);
    expect(draws(new SeededRandom(42, "b"), 8)).not.toEqual(base);
  });

  test("fillNormal continues the same stream as nextUint32 and is reproducible", () => {
    const a = new SeededRandom(1, "x").fillNormal(new Float32Array(1000), 1);
    const b = new SeededRandom(1, "x");
    const firstHalf = b.fillNormal(new Float32Array(500), 1);
    const secondHalf = b.fillNormal(new Float32Array(500), 1);
    expect([...firstHalf, ...secondHalf]).toEqual([...a]);
  });

  test("fillNormal draws centred values with the asked standard deviation", () => {
    const values = new SeededRandom(3, "stats").fillNormal(new Float32Array(1 << 20), 0.02);
    let sum = 0;
    let squares = 0;
    let maxAbs = 0;
    for (const v of values) {
      sum += v;
      squares += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const mean = sum / values.length;
    const std = Math.sqrt(squares / values.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.0002);
    expect(std).toBeGreaterThan(0.0196);
    expect(std).toBeLessThan(0.0204);
    expect(maxAbs).toBeLessThanOrEqual(0.02 * 3.46);
  });
});
