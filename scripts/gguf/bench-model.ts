import { closeSync, openSync, readSync, statSync } from "node:fs";
import { type GgmlTypeName, ggmlTypeByName } from "./ggml-types.ts";
import { type LlamaGeometry, llamaGgufFile } from "./llama-model.ts";
import { buildSpmVocab } from "./spm-vocab.ts";
import { encodeGgufPreamble, type GgufFile, ggufFileSize } from "./writer.ts";

export type BenchShapeName = "llama-3.2-1b" | "llama-3.2-3b" | "tiny-bench";
export type BenchQuant = Extract<GgmlTypeName, "q4_0" | "q8_0">;

interface BenchShape {
  readonly title: string;
  readonly geometry: LlamaGeometry;
  readonly vocabSize: number;
}

/**
 * Real geometries of the models Ember targets (from their config.json), plus a small one for
 * quick benchmark runs: tiny-bench keeps the 1B's head size and GQA ratio at a fraction of the cost.
 */
export const BENCH_SHAPES: Readonly<Record<BenchShapeName, BenchShape>> = {
  "llama-3.2-1b": {
    title: "Llama 3.2 1B",
    geometry: {
      layers: 16,
      embd: 2048,
      ff: 8192,
      heads: 32,
      kvHeads: 8,
      contextLength: 131072,
      ropeTheta: 500000,
    },
    vocabSize: 128256,
  },
  "llama-3.2-3b": {
    title: "Llama 3.2 3B",
    geometry: {
      layers: 28,
      embd: 3072,
      ff: 8192,
      heads: 24,
      kvHeads: 8,
      contextLength: 131072,
      ropeTheta: 500000,
    },
    vocabSize: 128256,
  },
  "tiny-bench": {
    title: "Tiny Bench",
    geometry: {
      layers: 4,
      embd: 512,
      ff: 1536,
      heads: 8,
      kvHeads: 2,
      contextLength: 8192,
      ropeTheta: 500000,
    },
    vocabSize: 32000,
  },
};

export const BENCH_SHAPE_NAMES = Object.keys(BENCH_SHAPES) as BenchShapeName[];
export const BENCH_QUANTS: readonly BenchQuant[] = ["q4_0", "q8_0"];

/** Bumped whenever the bytes for the same options change; it is part of the file's header. */
export const BENCH_MODEL_GENERATOR = "ember make-bench-model v1";

export interface BenchModelOptions {
  readonly shape: BenchShapeName;
  readonly quant: BenchQuant;
  readonly seed: number;
}

const BENCH_WORDS = ["system", "user", "assistant", "response", "commands", "name", "args", "the", "and"];

export function benchModelFile({ shape, quant, seed }: BenchModelOptions): GgufFile {
  const { title, geometry, vocabSize } = BENCH_SHAPES[shape];
  return llamaGgufFile({
    name: `Ember Bench ${title} (random weights)`,
    geometry,
    vocab: buildSpmVocab({ words: BENCH_WORDS, size: vocabSize }),
    weightType: ggmlTypeByName[quant],
    seed,
    generator: BENCH_MODEL_GENERATOR,
  });
}

/** Where a bench model lives when no output path is given: one file per (shape, quant, seed). */
export function benchModelFileName({ shape, quant, seed }: BenchModelOptions): string {
  return `${shape}-${quant}-seed${seed}.gguf`;
}

/**
 * True when `path` already holds what writing `file` would produce: same size and same preamble
 * (which records the generator version, seed, shapes and types). Tensor data is not re-read: it
 * is a pure function of that preamble, and files only ever appear at `path` whole (temp + rename).
 */
export function isSameGgufFile(path: string, file: GgufFile): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size !== ggufFileSize(file)) return false;
  const preamble = encodeGgufPreamble(file);
  const existing = new Uint8Array(preamble.length);
  const fd = openSync(path, "r");
  try {
    let read = 0;
    while (read < existing.length) {
      const got = readSync(fd, existing, read, existing.length - read, read);
      if (got === 0) return false;
      read += got;
    }
  } finally {
    closeSync(fd);
  }
  return Buffer.compare(existing, preamble) === 0;
}
