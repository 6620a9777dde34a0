/** The ggml tensor types this writer can encode, with the numbering llama.cpp uses on disk. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q8_0 = 8,
}

export type GgmlTypeName = "f32" | "f16" | "q8_0" | "q4_0";

export const ggmlTypeByName: Readonly<Record<GgmlTypeName, GgmlType>> = {
  f32: GgmlType.F32,
  f16: GgmlType.F16,
  q8_0: GgmlType.Q8_0,
  q4_0: GgmlType.Q4_0,
};

interface BlockLayout {
  /** elements per block */
  readonly elements: number;
  /** bytes per block */
  readonly bytes: number;
}

/** Q4_0: fp16 scale + 32 nibbles; Q8_0: fp16 scale + 32 int8 (ggml-common.h). */
export const blockLayout: Readonly<Record<GgmlType, BlockLayout>> = {
  [GgmlType.F32]: { elements: 1, bytes: 4 },
  [GgmlType.F16]: { elements: 1, bytes: 2 },
  [GgmlType.Q4_0]: { elements: 32, bytes: 18 },
  [GgmlType.Q8_0]: { elements: 32, bytes: 34 },
};

/** `general.file_type` (llama_ftype) for a file whose matrices all use `type`. */
export const fileTypeFor: Readonly<Record<GgmlType, number>> = {
  [GgmlType.F32]: 0,
  [GgmlType.F16]: 1,
  [GgmlType.Q4_0]: 2,
  [GgmlType.Q8_0]: 7,
};

export class TensorShapeError extends Error {
  override name = "TensorShapeError";
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Bytes of tensor data, unpadded. Quantized rows (dims[0]) must hold whole blocks, as ggml requires. */
export function tensorByteSize(type: GgmlType, dims: readonly number[]): number {
  const layout = blockLayout[type];
  const rowLength = dims[0] ?? 1;
  if (rowLength % layout.elements !== 0) {
    throw new TensorShapeError(
      `row length ${rowLength} is not a multiple of ${layout.elements}, the block size of ${GgmlType[type]}`,
    );
  }
  return (elementCount(dims) / layout.elements) * layout.bytes;
}
