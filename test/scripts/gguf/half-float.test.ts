import { describe, expect, test } from "bun:test";
import { fromHalfBits, toHalfBits } from "../../../scripts/gguf/half-float.ts";

describe("toHalfBits", () => {
  test.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [0.1, 0x2e66],
    [2 ** -24, 0x0001],
    [2 ** -14, 0x0400],
  ])("encodes %p as %p", (value, bits) => {
    expect(toHalfBits(value)).toBe(bits);
  });

  test("overflows to infinity and keeps NaN a NaN", () => {
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(Number.isNaN(fromHalfBits(toHalfBits(Number.NaN)))).toBe(true);
  });

  test("rounds to nearest, ties to even", () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: the even mantissa (1) wins.
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 lies halfway between mantissas 1 and 2: 2 is even.
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(2 ** -25 + 2 ** -30)).toBe(0x0001);
    expect(toHalfBits(2 ** -26)).toBe(0x0000);
  });

  test("round-trips every finite half value", () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = fromHalfBits(bits);
      if (!Number.isFinite(value)) continue;
      expect(toHalfBits(value)).toBe(bits);
    }
  });
});
