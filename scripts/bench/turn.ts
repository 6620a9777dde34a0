import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { bootEmber } from "../../src/boot.ts";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { Conversation } from "../../src/llm/conversation.ts";
import { groundQuestion } from "../../src/planner/grounding.ts";
import { Transcript } from "../../src/planner/transcript.ts";
import { type PassCount, runTurn } from "../../src/planner/turn.ts";
import { formatMs } from "./format.ts";
import { openBridge, openRawSide } from "./llm-model.ts";
import { recordPasses, replayTurn, scratchContext, type TurnReplay } from "./llm-replay.ts";
import { timed } from "./llm-timing.ts";
import { makeLlmVault, question } from "./llm-vault.ts";
import { round } from "./stats.ts";
import { check, type Section, type TableRow, type TargetCheck } from "./types.ts";

/**
 * Turn latency: a conversation through Ember's real turn (retrieve, plan, act, respond) on a
 * generated vault, each turn set against the llama.cpp work it asked for, done again with
 * node-llama-cpp alone in contexts of its own (scripts/bench/llm-replay.ts):
 *  - the lower bound: only the turn's new tokens evaluated (Ember's evaluated count), and the same
 *    tokens generated, with Ember's sampling, seed and grammar;
 *  - naive: every pass's whole prompt evaluated from a cleared sequence (the first version's design),
 *    and the same generation.
 * Ember's time includes everything its turn does (retrieval, prompt rendering, the commands the
 * plan picked); the replays include only llama.cpp's work, so both ratios err against Ember.
 */

/** Fixed, so the plans (random weights, grammar-valid JSON) and the commands they run repeat. */
const SEED = 1;
/** Turns 2+ within this many times the lower bound. */
const TARGET = 1.15;

export interface TurnFigures {
  turn: number;
  question: string;
  emberMs: number;
  naiveMs: number;
  lowerBoundMs: number;
  evaluatedTokens: number;
  reusedTokens: number;
  generatedTokens: number;
  promptTokens: number;
  /** The turn's grounding (core documents and excerpts), each part at most `sizes.preambleTokens`. */
  groundingTokens: number;
  /** Where Ember's time went, from the turn's own timings. */
  phases: { retrieveMs: number; planMs: number; actMs: number; respondMs: number };
  commands: string[];
  passes: PassCount[];
  /** The replays' parts: one-call prefill (new tokens; whole prompts) and the shared generation. */
  replay: Omit<TurnReplay, "lowerBoundMs" | "naiveMs">;
  /** emberMs / naiveMs: what reuse saves. */
  vsNaive: number;
  /** emberMs / lowerBoundMs against the target; turn 1 (nothing to reuse yet) has no target. */
  check?: TargetCheck;
}

export const turn: Section = async (ctx) => {
  const { settings } = ctx;
  const vault = await makeLlmVault(ctx, "turn-vault");
  const { app, agentsDone } = bootEmber({ env: vault.env, cwd: vault.dir });
  await agentsDone;
  const bridge = await openBridge(settings);
  try {
    const recorder = recordPasses(bridge);
    const mirror = await openRawSide(bridge, settings);
    const scratch = scratchContext(await openRawSide(bridge, settings));
    const stateFile = join(ctx.workDir, "turn-state.bin");
    const conversation = new Conversation({ bridge });
    const transcript = new Transcript({ vaultDir: vault.dir });
    const turns: TurnFigures[] = [];
    for (let n = 1; n <= settings.sizes.turns; n++) {
      const before = [...bridge.contextTokens];
      const asked = question(n);
      const { value: result, ms: emberMs } = await timed(() =>
        runTurn({ app, conversation, transcript }, { question: asked, seed: SEED }),
      );
      if (result.stopped) throw new Error(`turn ${n}: Ember's turn was stopped (${result.stopped})`);
      const replay = await replayTurn(
        { bridge, before, passes: recorder.take(), stateFile },
        mirror,
        scratch,
      );
      const { timings } = result;
      const figures: TurnFigures = {
        turn: n,
        question: asked,
        emberMs: round(emberMs, 1),
        naiveMs: round(replay.naiveMs, 1),
        lowerBoundMs: round(replay.lowerBoundMs, 1),
        // The generations' own counts: what the replays redo (a first turn's static prefix is
        // evaluated before its plan's generation, so the plan pass finds it reused).
        evaluatedTokens: sumPasses(timings.passes, "evaluatedTokens"),
        reusedTokens: sumPasses(timings.passes, "reusedTokens"),
        generatedTokens: sumPasses(timings.passes, "generatedTokens"),
        promptTokens: sumPasses(timings.passes, "promptTokens"),
        groundingTokens: groundingTokens(app, bridge, asked),
        phases: {
          retrieveMs: timings.retrieveMs,
          planMs: timings.planMs,
          actMs: timings.actMs,
          respondMs: timings.respondMs,
        },
        commands: result.commands.map((c) => c.name),
        passes: timings.passes,
        replay: {
          prefillMs: round(replay.prefillMs, 1),
          scratchPrefillMs: round(replay.scratchPrefillMs, 1),
          generationMs: round(replay.generationMs, 1),
          evaluatedTokens: replay.evaluatedTokens,
          scratchEvaluatedTokens: replay.scratchEvaluatedTokens,
          generatedTokens: replay.generatedTokens,
          sameTokens: replay.sameTokens,
        },
        vsNaive: round(emberMs / replay.naiveMs, 3),
        ...(n >= 2 ? { check: check(emberMs / replay.lowerBoundMs, TARGET, "<=") } : {}),
      };
      turns.push(figures);
      ctx.log(
        `turn ${n}/${settings.sizes.turns}: Ember ${formatMs(emberMs)}, lower bound ${formatMs(replay.lowerBoundMs)}, naive ${formatMs(replay.naiveMs)} (${figures.evaluatedTokens} evaluated, ${figures.reusedTokens} reused, ${figures.generatedTokens} generated)`,
      );
    }
    const later = turns.filter((t) => t.check);
    const worst = later.reduce<TurnFigures | undefined>(
      (a, b) => (a && a.check!.ratio >= b.check!.ratio ? a : b),
      undefined,
    );
    return {
      result: {
        preambleTokens: settings.sizes.preambleTokens,
        seed: SEED,
        turns,
        // The section's figure: the worst of turns 2+.
        ...(worst ? worst.check! : {}),
      },
      rows: turns.map(row),
    };
  } finally {
    await bridge.dispose();
  }
};

function sumPasses(passes: readonly PassCount[], key: Exclude<keyof PassCount, "pass">): number {
  return passes.reduce((total, pass) => total + pass[key], 0);
}

/** The size of the grounding Ember's turn got for `asked` (the same retrieval, done again). */
function groundingTokens(app: App, bridge: LlamaBridge, asked: string): number {
  const count = (text: string) => bridge.countTokens(text);
  const { vaultDir, config } = app.settings;
  return count(groundQuestion(vaultDir, asked, config.grounding, count, app.logger).text);
}

function row(t: TurnFigures): TableRow {
  return {
    section: "turn",
    figure: t.turn === 1 ? "turn 1 (cold): Ember vs lower bound" : `turn ${t.turn}: Ember vs lower bound`,
    value:
      `${formatMs(t.emberMs)} vs ${formatMs(t.lowerBoundMs)} (naive ${formatMs(t.naiveMs)}, ${t.vsNaive.toFixed(2)}×); ` +
      `${t.evaluatedTokens} evaluated, ${t.reusedTokens} reused, ${t.generatedTokens} generated`,
    ...(t.check ? { check: t.check } : {}),
  };
}
