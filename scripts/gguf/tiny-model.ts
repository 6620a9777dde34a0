import { type GgmlTypeName, ggmlTypeByName } from "./ggml-types.ts";
import { LlamaGeometryError, llamaGgufFile } from "./llama-model.ts";
import { buildSpmVocab } from "./spm-vocab.ts";
import type { GgufFile } from "./writer.ts";

export interface TinyModelOptions {
  /** transformer blocks; default 2 */
  readonly layers?: number;
  /** embedding width, a multiple of 32 (16-wide heads); default 64 */
  readonly embd?: number;
  /** weight seed; default 1 */
  readonly seed?: number;
  /** weight matrix type; default f32 */
  readonly type?: GgmlTypeName;
}

export const TINY_MODEL_DEFAULTS: Required<TinyModelOptions> = { layers: 2, embd: 64, seed: 1, type: "f32" };

/** Bumped whenever the bytes for the same options change, so caches keyed on it stay honest. */
export const TINY_MODEL_GENERATOR = "ember make-tiny-model v1";

/**
 * Words that get whole tokens: the chat roles and the planner's JSON keys, so prompts and plans
 * tokenize into a realistic handful of tokens instead of one per character.
 */
const TINY_WORDS = [
  "system",
  "user",
  "assistant",
  "response",
  "commands",
  "command",
  "name",
  "args",
  "status",
  "help",
  "search",
  "model",
  "vault",
  "agents",
  "the",
  "and",
  "you",
  "to",
  "of",
  "is",
  "hello",
  "world",
  "true",
  "false",
  "null",
  '{"',
  '":',
  '",',
  '"}',
  "],",
  "[{",
];

export function tinyModelFile(options: TinyModelOptions = {}): GgufFile {
  const { layers, embd, seed, type } = { ...TINY_MODEL_DEFAULTS, ...options };
  if (!Number.isInteger(embd) || embd <= 0 || embd % 32 !== 0) {
    throw new LlamaGeometryError(`embd must be a positive multiple of 32, got ${embd}`);
  }
  const heads = embd / 16;
  return llamaGgufFile({
    name: "Ember Tiny Test Model",
    geometry: {
      layers,
      embd,
      ff: embd * 3,
      heads,
      kvHeads: heads % 2 === 0 ? heads / 2 : heads,
      contextLength: 4096,
      ropeTheta: 10000,
    },
    vocab: buildSpmVocab({ words: TINY_WORDS }),
    weightType: ggmlTypeByName[type],
    seed,
    generator: TINY_MODEL_GENERATOR,
  });
}
