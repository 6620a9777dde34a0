import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "../../scripts/bench/decode.ts";
import { restart } from "../../scripts/bench/restart.ts";
import { type TurnFigures, turn } from "../../scripts/bench/turn.ts";
import type { BenchContext, BenchSizes, TargetCheck } from "../../scripts/bench/types.ts";
import { tinyBenchContext } from "../helpers/bench-context.ts";

/**
 * The three LLM sections of `make bench` on the suite's tiny model with tiny sizes: the figures'
 * shape and bookkeeping (token counts add up, reuse happens, each check agrees with its ratio),
 * never their speed.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tinyContext(sizes: Partial<BenchSizes> = {}): BenchContext & { lines: string[] } {
  const workDir = mkdtempSync(join(tmpdir(), "ember-bench-llm-"));
  dirs.push(workDir);
  return tinyBenchContext({ workDir, sizes });
}

/** `ratio` comes from the reported (rounded) figures, the check's from the unrounded ones. */
function expectConsistent(check: TargetCheck, ratio: number, target: number, direction: "<=" | ">="): void {
  expect(Math.abs(check.ratio / ratio - 1)).toBeLessThan(1e-3);
  expect(check.target).toBe(target);
  expect(check.direction).toBe(direction);
  expect(check.met).toBe(direction === "<=" ? ratio <= target : ratio >= target);
}

interface Measured {
  tokens: number;
  ms: number;
  tokensPerSecond: number;
}

/**
 * Left alone, the tiny model ends the decode section's answer after 674 tokens (its prompt, seed 1):
 * asking for more proves both sides really generate what is asked.
 */
const DECODE_TOKENS = 1000;

describe("decode section", () => {
  test("both sides generate exactly the requested tokens; the ratio is the medians'", async () => {
    const ctx = tinyContext({ decodeTokens: DECODE_TOKENS });
    const { result, rows } = await decode(ctx);
    const runs = result.runs as { bridge: Measured; direct: Measured }[];
    expect(runs).toHaveLength(1);
    for (const side of [runs[0]!.bridge, runs[0]!.direct]) {
      expect(side.tokens).toBe(DECODE_TOKENS);
      expect(side.ms).toBeGreaterThan(0);
      // ms is rounded to 0.1 ms, which on a tiny model is a few tenths of a percent.
      expect(Math.abs(side.tokensPerSecond / (side.tokens / (side.ms / 1000)) - 1)).toBeLessThan(1e-2);
    }
    expect(result.tokens).toBe(DECODE_TOKENS);
    const bridge = result.bridgeTokensPerSecond as number;
    const direct = result.directTokensPerSecond as number;
    expect(bridge).toBeGreaterThan(0);
    expect(direct).toBeGreaterThan(0);
    expectConsistent(result as unknown as TargetCheck, bridge / direct, 0.98, ">=");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.check).toEqual({
      ratio: result.ratio as number,
      target: 0.98,
      direction: ">=",
      met: result.met as boolean,
    });
    expect(ctx.lines.some((line) => line.startsWith("decode 1/1"))).toBe(true);
  }, 30_000);
});

describe("turn section", () => {
  test("Ember's turns against replays of the same work: counts add up, turn 2 reuses, checks agree", async () => {
    const ctx = tinyContext();
    const { result, rows } = await turn(ctx);
    const turns = result.turns as TurnFigures[];
    expect(turns.map((t) => t.turn)).toEqual([1, 2]);
    for (const t of turns) {
      expect(t.emberMs).toBeGreaterThan(0);
      expect(t.lowerBoundMs).toBeGreaterThan(0);
      expect(t.naiveMs).toBeGreaterThan(0);
      // Core documents and excerpts, each within the preamble size (and a separator between them).
      expect(t.groundingTokens).toBeGreaterThan(0);
      expect(t.groundingTokens).toBeLessThanOrEqual(2 * ctx.settings.sizes.preambleTokens + 2);
      expect(t.passes.length).toBeGreaterThanOrEqual(1);
      expect(t.passes[0]!.pass).toBe("plan");
      const sum = (key: "promptTokens" | "evaluatedTokens" | "reusedTokens" | "generatedTokens") =>
        t.passes.reduce((total, pass) => total + pass[key], 0);
      expect(t.promptTokens).toBe(sum("promptTokens"));
      expect(t.evaluatedTokens).toBe(sum("evaluatedTokens"));
      expect(t.reusedTokens).toBe(sum("reusedTokens"));
      expect(t.generatedTokens).toBe(sum("generatedTokens"));
      expect(t.evaluatedTokens + t.reusedTokens).toBe(t.promptTokens);
      // The lower bound evaluated exactly Ember's new tokens; naive evaluated every prompt whole.
      expect(t.replay.evaluatedTokens).toBe(t.evaluatedTokens);
      expect(t.replay.scratchEvaluatedTokens).toBe(t.promptTokens);
      // Both generated Ember's very tokens, from Ember's own cache.
      expect(t.replay.sameTokens).toBe(true);
      expect(t.replay.generatedTokens).toBe(t.generatedTokens);
      expect(t.lowerBoundMs).toBeCloseTo(t.replay.prefillMs + t.replay.generationMs, 0);
      expect(t.naiveMs).toBeCloseTo(t.replay.scratchPrefillMs + t.replay.generationMs, 0);
      expect(t.vsNaive).toBeCloseTo(t.emberMs / t.naiveMs, 2);
    }
    const [first, second] = turns as [TurnFigures, TurnFigures];
    // Turn 1 found nothing evaluated before it (its answer then reuses its own plan's prompt).
    expect(first.passes[0]!.reusedTokens).toBe(0);
    expect(second.reusedTokens).toBeGreaterThan(0);
    expect(second.evaluatedTokens).toBeLessThan(second.promptTokens);
    // Turn 1 has nothing to reuse, so no target; turn 2 has one.
    expect(first.check).toBeUndefined();
    expectConsistent(second.check!, second.emberMs / second.lowerBoundMs, 1.15, "<=");
    expect(result.ratio).toBe(second.check!.ratio);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.check).toBeUndefined();
    expect(rows[1]!.check).toEqual(second.check!);
  }, 40_000);
});

interface AskFigures {
  firstAnswerMs: number;
  startedMs: number;
  modelReadyMs: number;
  turnStartMs: number;
  prefix: string;
  prefixMs: number;
  staticTokens: number;
  evaluatedTokens: number;
}

describe("restart section", () => {
  test("a fresh `ember ask` with the saved prefix loads it; without it, evaluates it", async () => {
    const ctx = tinyContext();
    const { result, rows } = await restart(ctx);
    const runs = result.runs as { cached: AskFigures[]; cold: AskFigures[] };
    expect(runs.cached).toHaveLength(1);
    expect(runs.cold).toHaveLength(1);
    const cached = runs.cached[0]!;
    const cold = runs.cold[0]!;
    expect(cached.prefix).toBe("disk");
    expect(cold.prefix).toBe("evaluated");
    for (const run of [cached, cold]) {
      expect(run.startedMs).toBeGreaterThan(0);
      expect(run.modelReadyMs).toBeGreaterThan(run.startedMs);
      expect(run.turnStartMs).toBeGreaterThanOrEqual(run.modelReadyMs);
      expect(run.firstAnswerMs).toBeGreaterThan(run.turnStartMs);
      expect(run.prefixMs).toBeGreaterThanOrEqual(0);
    }
    // The same question and plan: the cached start evaluated all but the static prefix (give or
    // take a few tokens of command output that can differ between runs, a time or a duration).
    expect(cached.staticTokens).toBeGreaterThan(0);
    expect(cached.staticTokens).toBe(cold.staticTokens);
    expect(Math.abs(cold.evaluatedTokens - cached.evaluatedTokens - cold.staticTokens)).toBeLessThanOrEqual(
      16,
    );
    expect(result.cachedFirstTokenMs).toBe(cached.firstAnswerMs);
    expect(result.coldFirstTokenMs).toBe(cold.firstAnswerMs);
    expectConsistent(result as unknown as TargetCheck, cached.firstAnswerMs / cold.firstAnswerMs, 0.2, "<=");
    expect(rows[0]!.check).toEqual({
      ratio: result.ratio as number,
      target: 0.2,
      direction: "<=",
      met: result.met as boolean,
    });
  }, 40_000);
});
