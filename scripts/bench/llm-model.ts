import {
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  LlamaGrammarEvaluationState,
  type LlamaModel,
  type Token,
  TokenBias,
} from "node-llama-cpp";
import { commonPrefixLength, LlamaBridge } from "../../src/llm/bridge.ts";
import { takeForced } from "../../src/llm/grammar-feed.ts";
import type { BenchSettings } from "./types.ts";

/**
 * The two sides of every LLM ratio: Ember's bridge, and node-llama-cpp used directly on the same
 * loaded model with the same threads and context size. The weights are shared (read-only, and a
 * second load of a 1B model costs seconds and a second repacked copy in memory); where a side
 * needs a cache of its own, it gets a context of its own (`openRawSide`).
 */

export function openBridge(settings: BenchSettings): Promise<LlamaBridge> {
  return LlamaBridge.open({
    modelPath: settings.model.path,
    threads: settings.threads,
    contextSize: settings.contextSize,
  });
}

export interface RawSide {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

/** A context of its own on the bridge's model; disposing the bridge disposes it too. */
export async function openRawSide(bridge: LlamaBridge, settings: BenchSettings): Promise<RawSide> {
  const context = await bridge.model.createContext({
    contextSize: settings.contextSize,
    threads: settings.threads,
    sequences: 1,
  });
  return { model: bridge.model, context, sequence: context.getSequence() };
}

/**
 * Bans every end-of-generation token. Random weights end a generation at random; with this bias
 * both sides of a decode ratio generate exactly the tokens asked for.
 */
export function banEndOfGeneration(model: LlamaModel): TokenBias {
  const bias = new TokenBias(model.tokenizer);
  // TokenBias.set skips end-of-generation tokens on purpose, but the sampler takes whatever its
  // map holds (node-llama-cpp 3.22, pinned), so the ban goes into the map. The decode test asks
  // the tiny model for more tokens than it generates unbanned, so it notices if this stops working.
  const biases = (bias as unknown as { _biases?: unknown })._biases;
  if (!(biases instanceof Map))
    throw new Error("node-llama-cpp's TokenBias changed: cannot ban end-of-generation tokens");
  const vocabulary = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  for (let id = 0; id < vocabulary; id++)
    if (model.isEogToken(id as Token)) biases.set(id, Number.NEGATIVE_INFINITY);
  return bias;
}

export interface Sampling {
  temperature: number;
  topP: number;
  seed?: number;
  tokenBias?: TokenBias;
  grammar?: LlamaGrammar;
  /** Stop once the text so far is complete (a grammar's whole JSON object), as Ember does. */
  isComplete?: (text: string) => boolean;
  /** What the grammar forces after the text so far: added in one batch, as Ember adds it. */
  forced?: (text: string) => string;
}

/**
 * Makes `sequence` hold exactly `tokens` the way node-llama-cpp is used without Ember: keep the
 * common prefix, erase the rest, evaluate the new tokens in one call. Returns the tokens evaluated.
 */
export async function holdTokens(sequence: LlamaContextSequence, tokens: readonly Token[]): Promise<number> {
  const keep = commonPrefixLength(sequence.contextTokens, tokens);
  if (keep < sequence.nextTokenIndex)
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  const fresh = tokens.slice(keep);
  if (fresh.length > 0) await sequence.evaluateWithoutGeneratingNewTokens(fresh);
  return fresh.length;
}

/**
 * Generates from `last` (the prompt's last token, not yet in the sequence) until `count` decode
 * steps were taken, the model ended the generation or the text is complete. Returns the tokens
 * generated (forced ones included) and the decode steps.
 */
export async function sampleTokens(
  sequence: LlamaContextSequence,
  last: Token,
  sampling: Sampling,
  count: number,
): Promise<{ tokens: Token[]; decoded: number }> {
  const generated: Token[] = [];
  let decoded = 0;
  if (count <= 0) return { tokens: generated, decoded };
  const grammar = sampling.grammar
    ? new LlamaGrammarEvaluationState({ model: sequence.model, grammar: sampling.grammar })
    : undefined;
  const iterator = sequence.evaluate([last], {
    temperature: sampling.temperature,
    topP: sampling.topP,
    ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    ...(sampling.tokenBias ? { tokenBias: sampling.tokenBias } : {}),
    ...(grammar ? { grammarEvaluationState: grammar } : {}),
  });
  try {
    let step = await iterator.next();
    while (!step.done) {
      const token = step.value;
      generated.push(token);
      decoded++;
      const forced =
        grammar && sampling.forced ? takeForced(sequence.model, grammar, generated, sampling.forced) : [];
      generated.push(...forced);
      if (decoded >= count) break;
      if (sampling.isComplete?.(sequence.model.detokenize(generated))) break;
      step = await iterator.next(forced.length > 0 ? [token, ...forced] : undefined);
    }
  } finally {
    await iterator.return();
  }
  return { tokens: generated, decoded };
}
