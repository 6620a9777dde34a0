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
 *  - prefill: each pass's prompt, the part Ember reused first (from an empty cache), then its new
 *    tokens in one call. The new tokens alone are the lower bound's prefill; the whole prompt from
 *    an empty cache is the naive loop's (both measured in the one evaluation);
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
    ...(options.forced ? { forced: options.forced } : {}),
  };
}

export interface TurnReplay {
  /** The new tokens' prefill plus the generation. */
  lowerBoundMs: number;
  /** The whole prompts' prefill from an empty cache plus the same generation. */
  naiveMs: number;
  /** The parts: the new tokens' prefill, the whole prompts' prefill from empty, the generation. */
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
 * Does one turn's passes again: the generation on `mirror`, the prefill on `scratch`, two contexts
 * of the same model as Ember's.
 */
export async function replayTurn(
  { bridge, before, passes, stateFile }: ReplayInput,
  mirror: RawSide,
  scratch: Scratch,
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
  // Ember's cache after the turn: every pass's prompt (but its last token) is a prefix of it.
  await bridge.sequence.saveStateToFile(stateFile);
  let held = before;
  for (const { prompt, sampling, generation, after } of passes) {
    const head = prompt.slice(0, -1);
    await mirror.sequence.loadStateFromFile(stateFile, { acceptRisk: true });
    await holdTokens(mirror.sequence, head);
    const sampled = await timed(() =>
      sampleTokens(mirror.sequence, prompt.at(-1)!, sampling, sampledCount(generation)),
    );
    replay.generationMs += sampled.ms;
    replay.generatedTokens += sampled.value.decoded;
    if (!sameTokens(sampled.value.tokens, generation.tokens)) replay.sameTokens = false;

    const reused = await scratch.fromEmpty(head.slice(0, commonPrefixLength(held, head)));
    const fresh = await scratch.extend(head);
    replay.prefillMs += fresh.ms;
    replay.evaluatedTokens += fresh.tokens + 1;
    replay.scratchPrefillMs += reused.ms + fresh.ms;
    replay.scratchEvaluatedTokens += head.length + 1;
    held = after;
  }
  replay.lowerBoundMs = replay.prefillMs + replay.generationMs;
  replay.naiveMs = replay.scratchPrefillMs + replay.generationMs;
  return replay;
}

/** A context that knows how long what it holds took to evaluate from an empty cache. */
export interface Scratch {
  /** Makes it hold `tokens`; returns their from-empty evaluation time, measured now or before. */
  fromEmpty(tokens: readonly Token[]): Promise<{ ms: number }>;
  /** Evaluates the rest of `tokens` (which must start with what it holds); returns that part's time. */
  extend(tokens: readonly Token[]): Promise<{ ms: number; tokens: number }>;
}

export function scratchContext(side: RawSide): Scratch {
  // How long what the sequence holds took to evaluate, from an empty cache on.
  let heldMs = 0;
  const extend = async (tokens: readonly Token[]) => {
    const held = side.sequence.nextTokenIndex;
    if (commonPrefixLength(side.sequence.contextTokens, tokens) < held)
      throw new Error("scratch context: tokens do not extend what it holds");
    const { value, ms } = await timed(() => holdTokens(side.sequence, tokens));
    heldMs += ms;
    return { ms, tokens: value };
  };
  return {
    async fromEmpty(tokens) {
      const held = side.sequence.nextTokenIndex;
      // What it holds, when it starts `tokens`, was itself evaluated from empty: only the rest is new.
      if (held > tokens.length || commonPrefixLength(side.sequence.contextTokens, tokens) < held) {
        await side.sequence.clearHistory();
        heldMs = 0;
      }
      const before = heldMs;
      const { ms } = await extend(tokens);
      return { ms: before + ms };
    },
    extend,
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
