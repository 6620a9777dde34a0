import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { RawSide } from "../../scripts/bench/llm-model.ts";
import { TerminalProcess } from "../../scripts/bench/terminal.ts";
import { replayBound, replayNaive } from "../../scripts/bench/ttfa-baselines.ts";
import { typeText } from "../../scripts/bench/typing.ts";
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
