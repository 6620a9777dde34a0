import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { RawSide } from "../../scripts/bench/llm-model.ts";
import { question } from "../../scripts/bench/llm-vault.ts";
import { TerminalProcess } from "../../scripts/bench/terminal.ts";
import { ttfa } from "../../scripts/bench/ttfa.ts";
import { replayBound, replayNaive } from "../../scripts/bench/ttfa-baselines.ts";
import type { TtfaTurn } from "../../scripts/bench/ttfa-conversation.ts";
import type { TypedTurn } from "../../scripts/bench/ttfa-typing.ts";
import type { TargetCheck } from "../../scripts/bench/types.ts";
import { typeText } from "../../scripts/bench/typing.ts";
import { tinyBenchContext } from "../helpers/bench-context.ts";
import { createTinyContext, loadTinyModel } from "../helpers/models.ts";

/**
 * The ttfa section's parts on the suite's tiny model: the baselines hand llama.cpp exactly the
 * tokens they report (its own token meter says so), and the typist's echoes are measured per key.
 * Never their speed.
 */

const dir = mkdtempSync(join(tmpdir(), "ember-bench-ttfa-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rawSide(): Promise<RawSide> {
  const model = await loadTinyModel();
  const context = await createTinyContext();
  return { model, context, sequence: context.getSequence() };
}

function tokens(side: RawSide, text: string): Token[] {
  return side.model.tokenize(text);
}

/** Tokens llama.cpp took in while `work` ran (its meter counts those it computed logits for apart). */
async function metered(sequence: LlamaContextSequence, work: () => Promise<unknown>): Promise<number> {
  const used = () => sequence.tokenMeter.usedInputTokens + sequence.tokenMeter.usedOutputTokens;
  const before = used();
  await work();
  return used() - before;
}

describe("ttfa baselines", () => {
  test("bound: the turn's new tokens after the saved context, then one token", async () => {
    const ember = await rawSide();
    const side = await rawSide();
    try {
      const held = tokens(ember, "What the conversation held when the turn began, a few words of it.");
      await ember.sequence.evaluateWithoutGeneratingNewTokens(held);
      const state = join(dir, "before.bin");
      await ember.sequence.saveStateToFile(state);
      const fresh = tokens(side, " A new excerpt about the antenna. Question: how is it tuned?");
      let run: Awaited<ReturnType<typeof replayBound>> | undefined;
      const used = await metered(side.sequence, async () => {
        run = await replayBound(side, state, fresh);
      });
      expect(run!.evaluatedTokens).toBe(fresh.length);
      expect(run!.decodedTokens).toBe(1);
      expect(run!.ms).toBeGreaterThan(0);
      // Only the new tokens went in: what the turn began with came from the saved state.
      expect(used).toBe(fresh.length);
      expect(side.sequence.contextTokens).toEqual([...held, ...fresh]);
      await expect(replayBound(side, state, [])).rejects.toThrow(RangeError);
    } finally {
      await ember.context.dispose();
      await side.context.dispose();
    }
  }, 30_000);

  test("naive: both prompts whole from an empty cache, the plan's steps between them", async () => {
    const side = await rawSide();
    try {
      // Something held before: naive must not reuse it.
      await side.sequence.evaluateWithoutGeneratingNewTokens(tokens(side, "Earlier state, dropped."));
      const planner = tokens(side, "System. History. Excerpts. Question: where is the fuel filter?");
      const responder = tokens(side, "System. History. Excerpts. Question. The plan. The outputs. Answer:");
      const prompts = { planner, planTokens: 7, responder };
      let run: Awaited<ReturnType<typeof replayNaive>> | undefined;
      const used = await metered(side.sequence, async () => {
        run = await replayNaive(side, prompts);
      });
      expect(run!.evaluatedTokens).toBe(planner.length + responder.length);
      expect(run!.decodedTokens).toBe(8);
      // Each generated token but the last of a pass is fed back in to produce the next one.
      expect(used).toBe(planner.length + (7 - 1) + responder.length);
      expect(side.sequence.contextTokens).toEqual(responder);
      // A plan that took no decode step still costs one in the naive design.
      const none = await replayNaive(side, { ...prompts, planTokens: 0 });
      expect(none.decodedTokens).toBe(2);
    } finally {
      await side.context.dispose();
    }
  }, 30_000);
});

describe("typist", () => {
  test("types one character at a time and measures each one's echo", async () => {
    const demo = join(import.meta.dir, "..", "repl", "fixtures", "editor-demo.ts");
    const term = new TerminalProcess([process.execPath, demo], {
      env: { ...process.env } as Record<string, string>,
      cwd: dir,
    });
    try {
      await term.waitFor(/demo> $/);
      const started = performance.now();
      const echoes = await typeText(term, "a b.c", 20);
      // 5 characters at 20 a second: the last is sent 200 ms after the first.
      expect(performance.now() - started).toBeGreaterThanOrEqual(200);
      expect(echoes).toHaveLength(5);
      for (const ms of echoes) expect(ms).toBeGreaterThan(0);
      term.write("\r");
      await term.waitFor(/read: "a b\.c"/);
    } finally {
      await term.stop("\x04");
    }
  }, 30_000);
});

describe("ttfa section", () => {
  test("six turns against their baselines, one typed turn, a follow-up with --continue: counts add up", async () => {
    const ctx = tinyBenchContext({
      workDir: mkdtempSync(join(dir, "section-")),
      contextSize: 4096,
      sizes: { typedTurns: 1, typingCharsPerSecond: 30 },
    });
    const { lines } = ctx;
    const { result, rows } = await ttfa(ctx);
    const turns = result.turns as (TtfaTurn & { check?: TargetCheck })[];
    expect(turns.map((t) => t.turn)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const t of turns) {
      expect(t.question).toBe(question(t.turn));
      expect(t.firstAnswerMs).toBeGreaterThan(0);
      expect(t.evaluatedTokens).toBeGreaterThanOrEqual(t.evaluatedBeforeAnswer);
      expect(t.bound.decodedTokens).toBe(1);
      // The bound evaluates the question and the new excerpts (and outputs), nothing the turn held.
      expect(t.bound.evaluatedTokens).toBeGreaterThan(0);
      expect(t.naive.decodedTokens).toBeGreaterThanOrEqual(2);
      if (t.turn === 1) expect(t.check).toBeUndefined();
      else {
        expect(Math.abs(t.check!.ratio / (t.firstAnswerMs / t.bound.ms) - 1)).toBeLessThan(1e-2);
        // Naive reads the whole history again; Ember only what the turn adds.
        expect(t.naive.evaluatedTokens).toBeGreaterThan(t.evaluatedBeforeAnswer);
        // With no command, Ember evaluates the bound's tokens and the template's few own tokens.
        if (t.commands.length === 0)
          expect(t.evaluatedBeforeAnswer - t.bound.evaluatedTokens).toBeLessThanOrEqual(48);
      }
    }
    const [typed] = result.typed as (TypedTurn & { questionTokens: number })[];
    expect(typed!.question).toBe(question(1));
    expect(typed!.echoesMs).toHaveLength(question(1).length);
    // The line was prefilled while it was typed; after Enter the turn needed only the rest.
    expect(typed!.prefilledTokens).toBeGreaterThan(0);
    expect(typed!.afterEnterTokens).toBe(typed!.turnEvaluatedBeforeAnswer + typed!.inFlightTokens);
    const ask = result.ask as {
      continued: { evaluatedBeforeAnswer: number; restored: boolean };
      cold: { evaluatedBeforeAnswer: number; restored: boolean };
    };
    expect(ask.continued.restored).toBe(true);
    expect(ask.cold.restored).toBe(false);
    // Both evaluate the follow-up's own tokens: the one its conversation's, the other its static prefix, from disk.
    expect(ask.continued.evaluatedBeforeAnswer).toBeGreaterThan(question(2).length / 8);
    expect(ask.cold.evaluatedBeforeAnswer).toBeGreaterThan(question(2).length / 8);
    // One row per turn (targets from turn 2), then the summaries, the typed turns and the follow-up.
    expect(rows.slice(0, 6).map((r) => r.check === undefined)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(rows.at(-1)!.figure).toContain("--continue");
    expect(lines.filter((l) => l.startsWith("ttfa turn "))).toHaveLength(6);
  }, 120_000);
});
