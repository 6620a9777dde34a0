/**
 * The two runs `make bench` knows: the full one (a Llama-3.2-1B-shaped model, the sizes) and
 * QUICK=1 (a tiny model, small sizes, one repetition: the whole run under two minutes).
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  type BenchModelOptions,
  benchModelFile,
  benchModelFileName,
  isSameGgufFile,
} from "../gguf/bench-model.ts";
import { ggufFileSize, writeGgufFile } from "../gguf/writer.ts";
import type { BenchSettings, BenchSizes } from "./types.ts";

interface RunShape {
  model: BenchModelOptions;
  contextSize: number;
  repetitions: number;
  sizes: BenchSizes;
}

const FULL: RunShape = {
  model: { shape: "llama-3.2-1b", quant: "q4_0", seed: 1 },
  contextSize: 4096,
  repetitions: 3,
  sizes: {
    decodeTokens: 128,
    preambleTokens: 1500,
    turns: 3,
    typedTurns: 6,
    typingCharsPerSecond: 6,
    vaultFiles: 10_000,
    vaultQueries: 200,
    vaultChanges: 10,
    mixedPdfs: 1000,
    mixedHtml: 100,
    mixedEpubs: 20,
  },
};

const QUICK: RunShape = {
  model: { shape: "tiny-bench", quant: "q4_0", seed: 1 },
  contextSize: 4096,
  repetitions: 1,
  sizes: {
    decodeTokens: 32,
    preambleTokens: 300,
    turns: 2,
    typedTurns: 2,
    typingCharsPerSecond: 6,
    vaultFiles: 1000,
    vaultQueries: 50,
    vaultChanges: 5,
    mixedPdfs: 50,
    mixedHtml: 10,
    mixedEpubs: 2,
  },
};

/** Threads when --threads is not given: the development machine's two cores (docs/PERFORMANCE.md). */
export const DEFAULT_THREADS = 2;

/** Settings for a run; the model is described (path, size) but not written: see `prepareModel`. */
export function benchSettings(options: { quick: boolean; threads: number; root: string }): BenchSettings {
  const shape = runShape(options.quick);
  return {
    quick: options.quick,
    threads: options.threads,
    model: {
      path: join(options.root, "models", "bench", benchModelFileName(shape.model)),
      shape: shape.model.shape,
      quant: shape.model.quant,
      bytes: ggufFileSize(benchModelFile(shape.model)),
    },
    contextSize: shape.contextSize,
    repetitions: shape.repetitions,
    sizes: { ...shape.sizes },
  };
}

/**
 * Writes the settings' model unless the cache (models/bench/) already holds it, as
 * scripts/make-bench-model.ts does; returns whether it was written.
 */
export function prepareModel(settings: BenchSettings): "written" | "reused" {
  const file = benchModelFile(runShape(settings.quick).model);
  if (isSameGgufFile(settings.model.path, file)) return "reused";
  mkdirSync(dirname(settings.model.path), { recursive: true });
  writeGgufFile(settings.model.path, file);
  return "written";
}

function runShape(quick: boolean): RunShape {
  return quick ? QUICK : FULL;
}
