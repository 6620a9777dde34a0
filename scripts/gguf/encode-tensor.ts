import { blockLayout, GgmlType, TensorShapeError } from "./ggml-types.ts";
import { toHalfBits } from "./half-float.ts";

/**
 * Encodes `values` as `type` into `out` (which must hold exactly the encoded size) and returns it.
 * Q4_0 and Q8_0 follow ggml's reference quantizers (quantize_row_q4_0_ref / q8_0_ref) so the
 * bytes match what llama-quantize would write for the same floats.
 */
export function encodeTensorValues(type: GgmlType, values: Float32Array, out: Uint8Array): Uint8Array {
  const layout = blockLayout[type];
  if (values.length % layout.elements !== 0) {
    throw new TensorShapeError(`${values.length} values do not fill whole ${GgmlType[type]} blocks`);
  }
  const expected = (values.length / layout.elements) * layout.bytes;
  if (out.length !== expected) {
    throw new TensorShapeError(
      `output buffer holds ${out.length} bytes, ${GgmlType[type]} needs ${expected}`,
    );
  }
  switch (type) {
    case GgmlType.F32:
      out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return out;
    case GgmlType.F16:
      return encodeF16(values, out);
    case GgmlType.Q4_0:
      return encodeQ4_0(values, out);
    case GgmlType.Q8_0:
      return encodeQ8_0(values, out);
  }
}

function encodeF16(values: Float32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < values.length; i++) {
    const half = toHalfBits(values[i]!);
    out[i * 2] = half & 0xff;
    out[i * 2 + 1] = half >>> 8;
  }
  return out;
}

function encodeQ4_0(values: Float32Array, out: Uint8Array): Uint8Array {
  const blocks = values.length / 32;
  for (let block = 0; block < blocks; block++) {
    const start = block * 32;
    let absMax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = values[start + j]!;
      if (Math.abs(v) > absMax) {
        absMax = Math.abs(v);
        max = v;
      }
    }
    const scale = Math.fround(max / -8);
    const inverse = scale === 0 ? 0 : Math.fround(1 / scale);
    const at = block * 18;
    const half = toHalfBits(scale);
    out[at] = half & 0xff;
    out[at + 1] = half >>> 8;
    for (let j = 0; j < 16; j++) {
      const low = Math.min(15, Math.trunc(Math.fround(values[start + j]! * inverse) + 8.5));
      const high = Math.min(15, Math.trunc(Math.fround(values[start + 16 + j]! * inverse) + 8.5));
      out[at + 2 + j] = low | (high << 4);
    }
  }
  return out;
}

function encodeQ8_0(values: Float32Array, out: Uint8Array): Uint8Array {
  const blocks = values.length / 32;
  for (let block = 0; block < blocks; block++) {
    const start = block * 32;
    let absMax = 0;
    for (let j = 0; j < 32; j++) absMax = Math.max(absMax, Math.abs(values[start + j]!));
    const scale = Math.fround(absMax / 127);
    const inverse = scale === 0 ? 0 : Math.fround(1 / scale);
    const at = block * 34;
    const half = toHalfBits(scale);
    out[at] = half & 0xff;
    out[at + 1] = half >>> 8;
    for (let j = 0; j < 32; j++) {
      const scaled = Math.fround(values[start + j]! * inverse);
      // roundf rounds halves away from zero; the int8 store wraps into a byte.
      out[at + 2 + j] = (Math.sign(scaled) * Math.round(Math.abs(scaled))) & 0xff;
    }
  }
  return out;
}
