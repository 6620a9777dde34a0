import { statSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, BenchSizes } from "../../scripts/bench/types.ts";
import { TEST_THREADS, tinyModelPath } from "./models.ts";

const ROOT = join(import.meta.dir, "..", "..");

/** Small enough for a test of a model section: what a section does not use is zero. */
const TINY_SIZES: BenchSizes = {
  decodeTokens: 16,
  preambleTokens: 200,
  turns: 2,
  typedTurns: 1,
  typingCharsPerSecond: 30,
  vaultFiles: 0,
  vaultQueries: 0,
  vaultChanges: 0,
  mixedPdfs: 0,
  mixedHtml: 0,
  mixedEpubs: 0,
};

/**
 * A `make bench` context on the suite's tiny model (one thread, one repetition), working in
 * `workDir`; what the section logs is kept in `lines`.
 */
export function tinyBenchContext(options: {
  workDir: string;
  contextSize?: number;
  sizes?: Partial<BenchSizes>;
}): BenchContext & { lines: string[] } {
  const path = tinyModelPath();
  const lines: string[] = [];
  return {
    settings: {
      quick: true,
      threads: TEST_THREADS,
      model: { path, shape: "tiny", quant: "f32", bytes: statSync(path).size },
      contextSize: options.contextSize ?? 2048,
      repetitions: 1,
      sizes: { ...TINY_SIZES, ...options.sizes },
    },
    root: ROOT,
    workDir: options.workDir,
    log: (line) => lines.push(line),
    lines,
  };
}
