import { expect, test } from "bun:test";
import { turnTokensPerSecond } from "../../src/hud/turn-speed.ts";

test("generated tokens over the time of both passes", () => {
  expect(turnTokensPerSecond({ generatedTokens: 60, planMs: 1000, respondMs: 2000 })).toBe(20);
  expect(turnTokensPerSecond({ generatedTokens: 5, planMs: 250, respondMs: 0 })).toBe(20);
});

test("a turn that generated nothing, or took no model time, has no speed", () => {
  expect(turnTokensPerSecond({ generatedTokens: 0, planMs: 900, respondMs: 0 })).toBeUndefined();
  expect(turnTokensPerSecond({ generatedTokens: 3, planMs: 0, respondMs: 0 })).toBeUndefined();
});
