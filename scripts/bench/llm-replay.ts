import type { Token } from "node-llama-cpp";
import {
  commonPrefixLength,
  type GenerateOptions,
  type Generation,
  type LlamaBridge,
} from "../../src/llm/bridge.ts";
import { holdTokens, type RawSide, type Sampling, sampleTokens } from "./llm-model.ts";
import { timed } from "./llm-timing.ts";

/**
 * The llama.cpp work of one of Ember's turns, recorded and done again with node-llama-cpp alone,
 * so the turn benchmark compares Ember with exactly the same prompts, sampling and tokens:
 *
 *  - prefill: each pass's new tokens (those Ember evaluated) in one call, from the cache Ember had
 *    when the pass began: the lower bound; or each pass's whole prompt from an empty cache: naive;
 *  - generation: Ember's sampling, seed, grammar and token bias, from Ember's very cache, loaded
 *    from a state file. llama.cpp's results depend in their last bits on how tokens were batched,
 *    so only Ember's own cache samples Ember's tokens; from any other, a plan could close its JSON
 *    early or late, and it would no longer be the same work.
 */

/** One generation Ember's bridge made: its prompt, how it sampled, what came out, what it then held. */
export interface RecordedPass {
  prompt: Token[];
  sampling: Sampling;
  generation: Generation;
  /** The tokens the sequence held right after the generation. */
  after: Token[];
}

export interface PassRecorder {
  /** The passes recorded since the last call, oldest first. */
  take(): RecordedPass[];
}

/**
 * Records every `generate` call of `bridge`. The turn is Ember's own code; this only watches the
 * one method through which all its generation goes.
 */
export function recordPasses(bridge: LlamaBridge): PassRecorder {
  const generate = bridge.generate.bind(bridge);
  let passes: RecordedPass[] = [];
  bridge.generate = async (prompt: readonly Token[], options: GenerateOptions) => {
    const generation = await generate(prompt, options);
    passes.push({
      prompt: [...prompt],
      sampling: samplingOf(options),
      generation,
      after: [...bridge.contextTokens],
    });
    return generation;
  };
  return {
    take() {
      const taken = passes;
      passes = [];
      return taken;
    },
  };
}

function samplingOf(options: GenerateOptions): Sampling {
  return {
    temperature: options.temperature,
    topP: options.topP,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.tokenBias ? { tokenBias: options.tokenBias } : {}),
    ...(options.grammar ? { grammar: options.grammar } : {}),
    ...(options.isComplete ? { isComplete: options.isComplete } : {}),
  };
}

export interface TurnReplay {
  /** The new tokens' prefill plus the generation. */
  lowerBoundMs: number;
  /** The whole prompts' prefill from an empty cache plus the same generation. */
  naiveMs: number;
  prefillMs: number;
  scratchPrefillMs: number;
  generationMs: number;
  /** Tokens the lower bound evaluated (each prompt's new tokens and its last token)... */
  evaluatedTokens: number;
  /** ...and those the naive loop evaluated. */
  scratchEvaluatedTokens: number;
  generatedTokens: number;
  /** True when every pass sampled exactly Ember's tokens. */
  sameTokens: boolean;
}

export interface ReplayInput {
  bridge: LlamaBridge;
  /** What Ember's sequence held when the turn began. */
  before: readonly Token[];
  passes: readonly RecordedPass[];
  /** Where Ember's cache is saved for the replay (overwritten each turn). */
  stateFile: string;
}

/**
 * Does one turn's passes again on `mirror` (the lower bound and the generation) and `scratch`
 * (the naive prefill), two contexts of the same model as Ember's.
 */
export async function replayTurn(
  { bridge, before, passes, stateFile }: ReplayInput,
  mirror: RawSide,
  scratch: RawSide,
): Promise<TurnReplay> {
  const replay: TurnReplay = {
    lowerBoundMs: 0,
    naiveMs: 0,
    prefillMs: 0,
    scratchPrefillMs: 0,
    generationMs: 0,
    evaluatedTokens: 0,
    scratchEvaluatedTokens: 0,
    generatedTokens: 0,
    sameTokens: true,
  };
  // Ember's cache after the turn: every pass's prompt (but its last token) is a prefix of it, and
  // so is what the cache held when each pass began, as far as that pass reused it.
  await bridge.sequence.saveStateToFile(stateFile);
  const naive = scratchPrefill(scratch);
  let held = before;
  for (const { prompt, sampling, generation, after } of passes) {
    const head = prompt.slice(0, -1);
    await mirror.sequence.loadStateFromFile(stateFile, { acceptRisk: true });
    await holdTokens(mirror.sequence, head);
    const sampled = await timed(() =>
      sampleTokens(mirror.sequence, prompt.at(-1)!, sampling, sampledCount(generation)),
    );
    replay.generationMs += sampled.ms;
    replay.generatedTokens += sampled.value.length;
    if (!sameTokens(sampled.value, generation.tokens)) replay.sameTokens = false;

    // Back to what Ember reused when this pass began, then its new tokens in one call.
    await holdTokens(mirror.sequence, head.slice(0, commonPrefixLength(held, head)));
    const prefill = await timed(() => holdTokens(mirror.sequence, head));
    replay.prefillMs += prefill.ms;
    replay.evaluatedTokens += prefill.value + 1;

    const fromScratch = await naive(head);
    replay.scratchPrefillMs += fromScratch.ms;
    replay.scratchEvaluatedTokens += fromScratch.tokens + 1;
    held = after;
  }
  replay.lowerBoundMs = replay.prefillMs + replay.generationMs;
  replay.naiveMs = replay.scratchPrefillMs + replay.generationMs;
  return replay;
}

/**
 * Times evaluating prompts from an empty cache. A prompt that starts with the previous one (the
 * responder's starts with the planner's) only evaluates its rest, and is charged the previous
 * prompt's measured time for the part they share: the same tokens from the same empty cache.
 */
function scratchPrefill(
  side: RawSide,
): (tokens: readonly Token[]) => Promise<{ ms: number; tokens: number }> {
  let last = { length: 0, ms: 0 };
  return async (tokens) => {
    const continues =
      last.length > 0 && commonPrefixLength(side.sequence.contextTokens, tokens) === last.length;
    if (!continues) {
      await side.sequence.clearHistory();
      last = { length: 0, ms: 0 };
    }
    const { ms } = await timed(() => holdTokens(side.sequence, tokens));
    last = { length: tokens.length, ms: last.ms + ms };
    return { ms: last.ms, tokens: tokens.length };
  };
}

/**
 * How many tokens Ember sampled in a pass: those it kept, plus the end-of-generation token when
 * the model ended the answer (node-llama-cpp samples it but does not hand it out, so a replay
 * making the same choice stops there by itself).
 */
function sampledCount(generation: Generation): number {
  return generation.generatedTokens + (generation.stopReason === "eog" ? 1 : 0);
}

function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
