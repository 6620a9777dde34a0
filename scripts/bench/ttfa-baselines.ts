import type { Token } from "node-llama-cpp";
import { banEndOfGeneration, type RawSide, type Sampling, sampleTokens } from "./llm-model.ts";
import { timed } from "./llm-timing.ts";

/**
 * The two baselines of the ttfa section, done with node-llama-cpp alone in a context of their own
 * on Ember's loaded model (same threads, same context size):
 *
 *  - bound: the work a turn cannot avoid before its first answer byte: its own new tokens (the
 *    question, the excerpts new to the conversation, command outputs) evaluated after everything
 *    the conversation held when the turn began, then one token generated;
 *  - naive: the first (Python) design: the whole planner prompt, history included, evaluated from
 *    an empty cache, the plan generated, then the whole responder prompt from an empty cache, then
 *    one token generated.
 *
 * Only llama.cpp's work is timed; what the tokens say does not matter to it, so the replays sample
 * greedily with end-of-generation banned and generate exactly the count asked for.
 */

export interface BaselineRun {
  /** From the first evaluation to the first generated token. */
  ms: number;
  /** Tokens handed to llama.cpp to evaluate (the prompts' last tokens included)... */
  evaluatedTokens: number;
  /** ...and decode steps, the first answer token included. */
  decodedTokens: number;
}

/** Greedy, and never the end of generation: a random model would otherwise stop at random. */
function greedy(side: RawSide): Sampling {
  return { temperature: 0, topP: 1, tokenBias: banEndOfGeneration(side.model) };
}

/**
 * The bound: `side` takes the state Ember's sequence had when the turn began (saved to
 * `stateFile`: the same length of context to attend to), then evaluates `fresh` and generates one
 * token, timed.
 */
export async function replayBound(
  side: RawSide,
  stateFile: string,
  fresh: readonly Token[],
): Promise<BaselineRun> {
  if (fresh.length === 0) throw new RangeError("bound: a turn adds at least its question");
  await side.sequence.loadStateFromFile(stateFile, { acceptRisk: true });
  const sampling = greedy(side);
  const { ms } = await timed(() => prefillThenGenerate(side, fresh, sampling, 1));
  return { ms, evaluatedTokens: fresh.length, decodedTokens: 1 };
}

export interface NaivePrompts {
  /** System text, history, excerpts, question and the reply format, as one chat prompt. */
  planner: readonly Token[];
  /** Decode steps the plan took (at least one). */
  planTokens: number;
  /** The planner prompt, the plan and the command outputs with the answer instruction. */
  responder: readonly Token[];
}

/** The naive design's two passes, each from an empty cache, to the first answer token; timed. */
export async function replayNaive(side: RawSide, prompts: NaivePrompts): Promise<BaselineRun> {
  const planTokens = Math.max(1, prompts.planTokens);
  const sampling = greedy(side);
  const { ms } = await timed(async () => {
    await side.sequence.clearHistory();
    await prefillThenGenerate(side, prompts.planner, sampling, planTokens);
    await side.sequence.clearHistory();
    await prefillThenGenerate(side, prompts.responder, sampling, 1);
  });
  return {
    ms,
    evaluatedTokens: prompts.planner.length + prompts.responder.length,
    decodedTokens: planTokens + 1,
  };
}

/** Evaluates all of `prompt` but its last token in one call, then generates `count` tokens from it. */
async function prefillThenGenerate(
  side: RawSide,
  prompt: readonly Token[],
  sampling: Sampling,
  count: number,
): Promise<void> {
  const head = prompt.slice(0, -1);
  if (head.length > 0) await side.sequence.evaluateWithoutGeneratingNewTokens(head);
  const { decoded } = await sampleTokens(side.sequence, prompt.at(-1)!, sampling, count);
  if (decoded !== count) throw new Error(`baseline: generated ${decoded} tokens, not ${count}`);
}
