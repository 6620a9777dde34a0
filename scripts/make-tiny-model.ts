/**
 * Writes the tiny llama-architecture GGUF that tests load with node-llama-cpp.
 *
 *   bun scripts/make-tiny-model.ts OUT.gguf [--layers N] [--embd N] [--seed N] [--type f32|f16|q8_0|q4_0]
 *
 * Defaults: 2 layers, embd 64 (16-wide heads, half as many KV heads), seed 1, f32 weights.
 * The weights are random but deterministic: the same options always give a byte-identical file.
 * The tokenizer is a byte-fallback SentencePiece vocab with ChatML special tokens, so any text
 * round-trips and node-llama-cpp picks its ChatML chat wrapper.
 */
import { resolve } from "node:path";
import { choiceOption, integerOption, parseCli, runCli, UsageError } from "./gguf/cli.ts";
import type { GgmlTypeName } from "./gguf/ggml-types.ts";
import { TINY_MODEL_DEFAULTS, tinyModelFile } from "./gguf/tiny-model.ts";
import { writeGgufFile } from "./gguf/writer.ts";

const TYPES: readonly GgmlTypeName[] = ["f32", "f16", "q8_0", "q4_0"];

await runCli("make-tiny-model", () => {
  const { values, positionals } = parseCli(
    process.argv.slice(2),
    {
      layers: { type: "string" },
      embd: { type: "string" },
      seed: { type: "string" },
      type: { type: "string" },
    },
    1,
  );
  const out = positionals[0];
  if (out === undefined)
    throw new UsageError("missing output path (usage: make-tiny-model OUT.gguf [options])");
  const options = {
    layers: integerOption("layers", values.layers, TINY_MODEL_DEFAULTS.layers, { min: 1, max: 64 }),
    embd: integerOption("embd", values.embd, TINY_MODEL_DEFAULTS.embd, {
      min: 32,
      max: 1024,
      multipleOf: 32,
    }),
    seed: integerOption("seed", values.seed, TINY_MODEL_DEFAULTS.seed, { min: 0, max: 0xffffffff }),
    type: choiceOption("type", values.type, TINY_MODEL_DEFAULTS.type, TYPES),
  };
  const started = performance.now();
  const path = resolve(out);
  const bytes = writeGgufFile(path, tinyModelFile(options));
  const ms = performance.now() - started;
  console.log(`${path}\t${bytes} bytes\t${ms.toFixed(0)} ms`);
});
