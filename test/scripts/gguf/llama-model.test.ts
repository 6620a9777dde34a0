import { describe, expect, test } from "bun:test";
import { GgmlType } from "../../../scripts/gguf/ggml-types.ts";
import { LlamaGeometryError, llamaGgufFile, sizeLabel } from "../../../scripts/gguf/llama-model.ts";
import { buildSpmVocab } from "../../../scripts/gguf/spm-vocab.ts";

const vocab = buildSpmVocab({ words: [] });
const geometry = { layers: 2, embd: 64, ff: 128, heads: 4, kvHeads: 2, contextLength: 256, ropeTheta: 10000 };
const spec = { name: "t", geometry, vocab, weightType: GgmlType.F32, seed: 1, generator: "test" };

describe("llamaGgufFile", () => {
  test("lays out llama.cpp's tensors with tied embeddings and GQA-sized K/V", () => {
    const shapes = Object.fromEntries(llamaGgufFile(spec).tensors.map((t) => [t.name, t.dims]));
    expect(shapes["token_embd.weight"]).toEqual([64, vocab.tokens.length]);
    expect(shapes["output.weight"]).toBeUndefined();
    expect(shapes["output_norm.weight"]).toEqual([64]);
    expect(shapes["blk.1.attn_q.weight"]).toEqual([64, 64]);
    expect(shapes["blk.1.attn_k.weight"]).toEqual([64, 32]);
    expect(shapes["blk.1.attn_v.weight"]).toEqual([64, 32]);
    expect(shapes["blk.1.attn_output.weight"]).toEqual([64, 64]);
    expect(shapes["blk.1.ffn_gate.weight"]).toEqual([64, 128]);
    expect(shapes["blk.1.ffn_down.weight"]).toEqual([128, 64]);
    expect(shapes["blk.1.ffn_up.weight"]).toEqual([64, 128]);
    expect(shapes["blk.2.attn_q.weight"]).toBeUndefined();
  });

  test("keeps norms in F32 when the matrices are quantized", () => {
    const tensors = llamaGgufFile({ ...spec, weightType: GgmlType.Q8_0 }).tensors;
    expect(tensors.find((t) => t.name === "blk.0.attn_norm.weight")?.type).toBe(GgmlType.F32);
    expect(tensors.find((t) => t.name === "blk.0.ffn_up.weight")?.type).toBe(GgmlType.Q8_0);
  });

  test.each([
    [{ heads: 3 }, /not divisible by 3 heads/],
    [{ kvHeads: 3 }, /not divisible by 3 KV heads/],
    [{ layers: 0 }, /layers must be a positive integer/],
  ])("rejects geometry %p", (change, message) => {
    expect(() => llamaGgufFile({ ...spec, geometry: { ...geometry, ...change } })).toThrow(message);
  });

  test("rejects rows that quantized blocks cannot tile", () => {
    const odd = { ...geometry, ff: 144 };
    expect(() => llamaGgufFile({ ...spec, geometry: odd, weightType: GgmlType.Q4_0 })).toThrow(
      LlamaGeometryError,
    );
    expect(() => llamaGgufFile({ ...spec, geometry: odd })).not.toThrow();
  });
});

describe("sizeLabel", () => {
  test.each([
    [1_235_814_400, "1.2B"],
    [3_212_749_824, "3.2B"],
    [135_000_000, "135M"],
    [8_030_000_000, "8B"],
    [640_000, "640K"],
    [999, "999"],
  ])("labels %p parameters %p", (parameters, label) => {
    expect(sizeLabel(parameters)).toBe(label);
  });
});
