/**
 * Writes a random-weight GGUF with a real model's geometry, for benchmarks (speed, memory,
 * grammar cost over a full-size vocab). The weights carry no knowledge: don't read its output.
 *
 *   bun scripts/make-bench-model.ts [OUT.gguf] [--shape llama-3.2-1b|llama-3.2-3b|tiny-bench]
 *                                   [--quant q4_0|q8_0] [--seed N] [--force]
 *
 * Defaults: --shape llama-3.2-1b --quant q4_0 --seed 1.
 * Cache rule: without OUT the file goes to models/bench/<shape>-<quant>-seed<seed>.gguf.
 * Whatever the path, an existing file there is reused (not rewritten) when its size and its
 * whole GGUF preamble (generator version, seed, metadata, tensor shapes and types) equal what
 * this run would write; weights are a pure function of those, so the file is identical.
 * --force rewrites it anyway. Files appear only whole (temp file in the same folder, fsync,
 * rename), so an interrupted run never leaves a cache entry behind.
 *
 * Prints one line: path, size in bytes, seconds, and whether it was written or reused.
 * Sizes: llama-3.2-1b q4_0 ~0.7 GB, llama-3.2-3b q4_0 ~1.8 GB, tiny-bench q4_0 ~16 MB.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  BENCH_QUANTS,
  BENCH_SHAPE_NAMES,
  benchModelFile,
  benchModelFileName,
  isSameGgufFile,
} from "./gguf/bench-model.ts";
import { choiceOption, integerOption, parseCli, runCli } from "./gguf/cli.ts";
import { writeGgufFile } from "./gguf/writer.ts";

const BENCH_MODELS_DIR = join(import.meta.dir, "..", "models", "bench");

await runCli("make-bench-model", () => {
  const { values, positionals } = parseCli(
    process.argv.slice(2),
    {
      shape: { type: "string" },
      quant: { type: "string" },
      seed: { type: "string" },
      force: { type: "boolean" },
    },
    1,
  );
  const options = {
    shape: choiceOption("shape", values.shape, "llama-3.2-1b", BENCH_SHAPE_NAMES),
    quant: choiceOption("quant", values.quant, "q4_0", BENCH_QUANTS),
    seed: integerOption("seed", values.seed, 1, { min: 0, max: 0xffffffff }),
  };
  const path = resolve(positionals[0] ?? join(BENCH_MODELS_DIR, benchModelFileName(options)));
  const started = performance.now();
  const file = benchModelFile(options);
  let bytes: number;
  let action: string;
  if (values.force !== true && isSameGgufFile(path, file)) {
    bytes = Bun.file(path).size;
    action = "reused";
  } else {
    mkdirSync(dirname(path), { recursive: true });
    bytes = writeGgufFile(path, file);
    action = "written";
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${path}\t${bytes} bytes\t${seconds.toFixed(2)} s\t${action}`);
});
