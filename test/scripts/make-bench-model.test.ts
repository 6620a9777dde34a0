import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GgmlType, GgufFileType, readGgufFileInfo } from "node-llama-cpp";
import {
  BENCH_SHAPES,
  benchModelFile,
  benchModelFileName,
  isSameGgufFile,
} from "../../scripts/gguf/bench-model.ts";
import { ggufFileSize } from "../../scripts/gguf/writer.ts";
import { TEST_THREADS, testLlama } from "../helpers/models.ts";

const SCRIPT = join(import.meta.dir, "..", "..", "scripts", "make-bench-model.ts");
const dir = mkdtempSync(join(tmpdir(), "ember-make-bench-model-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeBenchModel(...args: string[]) {
  const run = Bun.spawnSync([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

describe("make-bench-model CLI (tiny-bench shape)", () => {
  const out = join(dir, "tiny-bench.gguf");

  test("writes a file with the shape's geometry, every tensor sized as llama.cpp expects", async () => {
    const run = makeBenchModel(out, "--shape", "tiny-bench", "--quant", "q4_0");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/\twritten\n$/);

    const { geometry, vocabSize } = BENCH_SHAPES["tiny-bench"];
    const info = await readGgufFileInfo(out);
    expect(String(info.metadata.general.architecture)).toBe("llama");
    expect(info.metadata.general.name).toBe("Ember Bench Tiny Bench (random weights)");
    expect(info.metadata.general.file_type).toBe(GgufFileType.MOSTLY_Q4_0);
    expect(info.architectureMetadata.block_count).toBe(geometry.layers);
    expect(info.architectureMetadata.attention?.head_count_kv).toBe(geometry.kvHeads);
    expect(info.architectureMetadata.rope?.freq_base).toBe(500000);
    expect(info.metadata.tokenizer.ggml.tokens).toHaveLength(vocabSize);

    const tensors = new Map(info.tensorInfo?.map((t) => [t.name, t]));
    const kvDim = (geometry.embd / geometry.heads) * geometry.kvHeads;
    expect(tensors.size).toBe(2 + 9 * geometry.layers);
    expect(tensors.get("token_embd.weight")?.dimensions).toEqual([geometry.embd, vocabSize]);
    expect(tensors.get("token_embd.weight")?.ggmlType).toBe(GgmlType.Q4_0);
    expect(tensors.has("output.weight")).toBe(false);
    const last = `blk.${geometry.layers - 1}`;
    expect(tensors.get(`${last}.attn_k.weight`)?.dimensions).toEqual([geometry.embd, kvDim]);
    expect(tensors.get(`${last}.ffn_down.weight`)?.dimensions).toEqual([geometry.ff, geometry.embd]);
    expect(tensors.get(`${last}.ffn_norm.weight`)?.ggmlType).toBe(GgmlType.F32);
  });

  test("the written model loads and evaluates to a finite distribution", async () => {
    const llama = await testLlama();
    const model = await llama.loadModel({ modelPath: out });
    const context = await model.createContext({ threads: TEST_THREADS, contextSize: 256 });
    try {
      const evaluation = context.getSequence().evaluateWithMetadata(model.tokenize("the system"), {
        probabilities: true,
      });
      const first = await evaluation.next();
      await evaluation.return();
      const probabilities = [...(first.value?.probabilities?.values() ?? [])];
      expect(probabilities.length).toBeGreaterThan(1);
      expect(probabilities.every(Number.isFinite)).toBe(true);
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });

  test("an identical existing file is reused; --force or a different file is rewritten", () => {
    const before = statSync(out).mtimeMs;
    const reuse = makeBenchModel(out, "--shape", "tiny-bench");
    expect(reuse.exitCode).toBe(0);
    expect(reuse.stdout).toMatch(/\treused\n$/);
    expect(statSync(out).mtimeMs).toBe(before);

    expect(makeBenchModel(out, "--shape", "tiny-bench", "--force").stdout).toMatch(/\twritten\n$/);
    expect(makeBenchModel(out, "--shape", "tiny-bench", "--seed", "2").stdout).toMatch(/\twritten\n$/);
    expect(isSameGgufFile(out, benchModelFile({ shape: "tiny-bench", quant: "q4_0", seed: 2 }))).toBe(true);
    expect(isSameGgufFile(out, benchModelFile({ shape: "tiny-bench", quant: "q4_0", seed: 1 }))).toBe(false);
  });

  test("a file of the right size but other contents is not taken for the model", () => {
    const file = benchModelFile({ shape: "tiny-bench", quant: "q8_0", seed: 1 });
    const impostor = join(dir, "impostor.gguf");
    writeFileSync(impostor, new Uint8Array(ggufFileSize(file)));
    expect(isSameGgufFile(impostor, file)).toBe(false);
    expect(isSameGgufFile(join(dir, "missing.gguf"), file)).toBe(false);
  });

  test.each([
    [
      ["--shape", "llama-9b"],
      /^make-bench-model: --shape must be one of llama-3.2-1b, llama-3.2-3b, tiny-bench, got 'llama-9b'$/,
    ],
    [["--quant", "f16"], /^make-bench-model: --quant must be one of q4_0, q8_0, got 'f16'$/],
    [["--seed", "-1"], /^make-bench-model: Option '--seed' argument is ambiguous\.$/],
    [["--seed", "x"], /^make-bench-model: --seed must be an integer from 0 to 4294967295, got 'x'$/],
  ])("rejects %p with one line and exit status 2", (args, message) => {
    const run = makeBenchModel(join(dir, "never.gguf"), ...args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("full-size bench shapes (planned, not written)", () => {
  test.each([
    ["llama-3.2-1b", "1.2B", 146, 0.69e9, 0.71e9],
    ["llama-3.2-3b", "3.2B", 254, 1.8e9, 1.83e9],
  ] as const)(
    "%s q4_0 has Llama 3.2's geometry: %s parameters, %d tensors",
    (shape, label, count, min, max) => {
      const file = benchModelFile({ shape, quant: "q4_0", seed: 1 });
      const meta = new Map(
        file.metadata.map(({ key, value }) => [key, "value" in value ? value.value : value.items.length]),
      );
      const g = BENCH_SHAPES[shape].geometry;
      expect(meta.get("general.size_label")).toBe(label);
      expect(meta.get("llama.block_count")).toBe(g.layers);
      expect(meta.get("llama.embedding_length")).toBe(g.embd);
      expect(meta.get("llama.feed_forward_length")).toBe(8192);
      expect(meta.get("llama.attention.head_count_kv")).toBe(8);
      expect(meta.get("llama.vocab_size")).toBe(128256);
      expect(meta.get("llama.context_length")).toBe(131072);
      expect(meta.get("tokenizer.ggml.tokens")).toBe(128256);
      expect(file.tensors).toHaveLength(count);
      const size = ggufFileSize(file);
      expect(size).toBeGreaterThan(min);
      expect(size).toBeLessThan(max);
    },
  );

  test("the default cache file name names shape, quant and seed", () => {
    expect(benchModelFileName({ shape: "llama-3.2-1b", quant: "q4_0", seed: 1 })).toBe(
      "llama-3.2-1b-q4_0-seed1.gguf",
    );
  });
});
