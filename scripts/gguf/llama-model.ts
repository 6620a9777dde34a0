import { CHATML_TEMPLATE } from "./chatml.ts";
import { encodeTensorValues } from "./encode-tensor.ts";
import { blockLayout, elementCount, fileTypeFor, GgmlType } from "./ggml-types.ts";
import { SeededRandom } from "./seeded-random.ts";
import type { SpmVocab } from "./spm-vocab.ts";
import { type GgufKeyValue, gguf } from "./value-types.ts";
import type { GgufFile, GgufTensor } from "./writer.ts";

/** The shape of a llama-architecture transformer, in llama.cpp's terms. */
export interface LlamaGeometry {
  readonly layers: number;
  readonly embd: number;
  readonly ff: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly contextLength: number;
  readonly ropeTheta: number;
}

export interface LlamaModelSpec {
  /** `general.name` */
  readonly name: string;
  readonly geometry: LlamaGeometry;
  readonly vocab: SpmVocab;
  /** Type of every weight matrix; norms are always F32 as llama.cpp expects. */
  readonly weightType: GgmlType;
  readonly seed: number;
  /** Which generator wrote the file, kept in `ember.generator` so a cache can tell versions apart. */
  readonly generator: string;
}

export class LlamaGeometryError extends Error {
  override name = "LlamaGeometryError";
}

/**
 * Random weights are drawn with this standard deviation: small enough that activations stay
 * finite through many layers (RMS norms rescale each block), as in a freshly initialised model.
 */
export const WEIGHT_STD = 0.02;

/** Values per generated chunk: large enough to amortise calls, small enough to stream. */
const CHUNK_VALUES = 1 << 20;

/**
 * A llama-architecture GGUF with deterministic random weights and tied embeddings
 * (no output.weight: llama.cpp reuses token_embd.weight), laid out like convert_hf_to_gguf.py.
 */
export function llamaGgufFile(spec: LlamaModelSpec): GgufFile {
  const { geometry: g, weightType } = spec;
  checkGeometry(g, weightType);
  const headDim = g.embd / g.heads;
  const kvDim = headDim * g.kvHeads;
  const vocabSize = spec.vocab.tokens.length;

  const tensors: GgufTensor[] = [
    randomTensor("token_embd.weight", [g.embd, vocabSize], weightType, spec.seed),
  ];
  for (let layer = 0; layer < g.layers; layer++) {
    const blk = `blk.${layer}`;
    tensors.push(
      onesTensor(`${blk}.attn_norm.weight`, g.embd),
      randomTensor(`${blk}.attn_q.weight`, [g.embd, g.embd], weightType, spec.seed),
      randomTensor(`${blk}.attn_k.weight`, [g.embd, kvDim], weightType, spec.seed),
      randomTensor(`${blk}.attn_v.weight`, [g.embd, kvDim], weightType, spec.seed),
      randomTensor(`${blk}.attn_output.weight`, [g.embd, g.embd], weightType, spec.seed),
      onesTensor(`${blk}.ffn_norm.weight`, g.embd),
      randomTensor(`${blk}.ffn_gate.weight`, [g.embd, g.ff], weightType, spec.seed),
      randomTensor(`${blk}.ffn_down.weight`, [g.ff, g.embd], weightType, spec.seed),
      randomTensor(`${blk}.ffn_up.weight`, [g.embd, g.ff], weightType, spec.seed),
    );
  }
  tensors.push(onesTensor("output_norm.weight", g.embd));

  const parameters = tensors.reduce((sum, tensor) => sum + elementCount(tensor.dims), 0);
  const metadata: GgufKeyValue[] = [
    { key: "general.architecture", value: gguf.string("llama") },
    { key: "general.type", value: gguf.string("model") },
    { key: "general.name", value: gguf.string(spec.name) },
    { key: "general.size_label", value: gguf.string(sizeLabel(parameters)) },
    { key: "general.file_type", value: gguf.u32(fileTypeFor[weightType]) },
    ...(blockLayout[weightType].elements > 1
      ? [{ key: "general.quantization_version", value: gguf.u32(2) }]
      : []),
    { key: "ember.generator", value: gguf.string(spec.generator) },
    { key: "ember.seed", value: gguf.u32(spec.seed) },
    { key: "llama.vocab_size", value: gguf.u32(vocabSize) },
    { key: "llama.context_length", value: gguf.u32(g.contextLength) },
    { key: "llama.embedding_length", value: gguf.u32(g.embd) },
    { key: "llama.block_count", value: gguf.u32(g.layers) },
    { key: "llama.feed_forward_length", value: gguf.u32(g.ff) },
    { key: "llama.rope.dimension_count", value: gguf.u32(headDim) },
    { key: "llama.rope.freq_base", value: gguf.f32(g.ropeTheta) },
    { key: "llama.attention.head_count", value: gguf.u32(g.heads) },
    { key: "llama.attention.head_count_kv", value: gguf.u32(g.kvHeads) },
    { key: "llama.attention.layer_norm_rms_epsilon", value: gguf.f32(1e-5) },
    { key: "tokenizer.ggml.model", value: gguf.string("llama") },
    { key: "tokenizer.ggml.tokens", value: gguf.strings(spec.vocab.tokens) },
    { key: "tokenizer.ggml.scores", value: gguf.f32s(spec.vocab.scores) },
    { key: "tokenizer.ggml.token_type", value: gguf.i32s(spec.vocab.types) },
    { key: "tokenizer.ggml.unknown_token_id", value: gguf.u32(spec.vocab.unknownId) },
    { key: "tokenizer.ggml.bos_token_id", value: gguf.u32(spec.vocab.bosId) },
    { key: "tokenizer.ggml.eos_token_id", value: gguf.u32(spec.vocab.eosId) },
    // ChatML carries no BOS, and a space prefix would put a stray space after every special token.
    { key: "tokenizer.ggml.add_bos_token", value: gguf.bool(false) },
    { key: "tokenizer.ggml.add_space_prefix", value: gguf.bool(false) },
    { key: "tokenizer.chat_template", value: gguf.string(CHATML_TEMPLATE) },
  ];
  return { metadata, tensors };
}

/** Hugging Face style size label: 1236M parameters -> "1.2B", 640K -> "640K". */
export function sizeLabel(parameters: number): string {
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [scale, unit] of units) {
    if (parameters >= scale) {
      const value = parameters / scale;
      return `${value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value)}${unit}`;
    }
  }
  return String(parameters);
}

function checkGeometry(g: LlamaGeometry, weightType: GgmlType): void {
  for (const [key, value] of Object.entries(g)) {
    if (!Number.isInteger(value) || value <= 0)
      throw new LlamaGeometryError(`${key} must be a positive integer`);
  }
  if (g.embd % g.heads !== 0)
    throw new LlamaGeometryError(`embd ${g.embd} is not divisible by ${g.heads} heads`);
  if (g.heads % g.kvHeads !== 0) {
    throw new LlamaGeometryError(`${g.heads} heads are not divisible by ${g.kvHeads} KV heads`);
  }
  const block = blockLayout[weightType].elements;
  if (g.embd % block !== 0 || g.ff % block !== 0) {
    throw new LlamaGeometryError(`${GgmlType[weightType]} needs embd and ff to be multiples of ${block}`);
  }
}

function randomTensor(name: string, dims: number[], type: GgmlType, seed: number): GgufTensor {
  return {
    name,
    dims,
    type,
    data: function* () {
      const random = new SeededRandom(seed, name);
      const total = elementCount(dims);
      const layout = blockLayout[type];
      const values = new Float32Array(Math.min(CHUNK_VALUES, total));
      const encoded = new Uint8Array((values.length / layout.elements) * layout.bytes);
      for (let done = 0; done < total; done += values.length) {
        const count = Math.min(values.length, total - done);
        const chunk = count === values.length ? values : values.subarray(0, count);
        const out =
          count === values.length ? encoded : encoded.subarray(0, (count / layout.elements) * layout.bytes);
        yield encodeTensorValues(type, random.fillNormal(chunk, WEIGHT_STD), out);
      }
    },
  };
}

function onesTensor(name: string, length: number): GgufTensor {
  return {
    name,
    dims: [length],
    type: GgmlType.F32,
    data: function* () {
      yield new Uint8Array(new Float32Array(length).fill(1).buffer);
    },
  };
}
