import { describe, expect, test } from "bun:test";
import { encodeTensorValues } from "../../../scripts/gguf/encode-tensor.ts";
import { GgmlType, TensorShapeError, tensorByteSize } from "../../../scripts/gguf/ggml-types.ts";
import { fromHalfBits } from "../../../scripts/gguf/half-float.ts";
import { SeededRandom } from "../../../scripts/gguf/seeded-random.ts";

function encode(type: GgmlType, values: Float32Array): Uint8Array {
  return encodeTensorValues(type, values, new Uint8Array(tensorByteSize(type, [values.length])));
}

/** Reads blocks back the way ggml's dequantize_row_q4_0 / q8_0 do. */
function decode(type: GgmlType.Q4_0 | GgmlType.Q8_0, bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const blockBytes = type === GgmlType.Q4_0 ? 18 : 34;
  for (let block = 0; block < count / 32; block++) {
    const at = block * blockBytes;
    const scale = fromHalfBits(bytes[at]! | (bytes[at + 1]! << 8));
    for (let j = 0; j < 32; j++) {
      if (type === GgmlType.Q8_0) {
        out[block * 32 + j] = ((bytes[at + 2 + j]! << 24) >> 24) * scale;
      } else {
        const packed = bytes[at + 2 + (j % 16)]!;
        out[block * 32 + j] = ((j < 16 ? packed & 0x0f : packed >>> 4) - 8) * scale;
      }
    }
  }
  return out;
}

const ramp = Float32Array.from({ length: 32 }, (_, j) => j - 16);

describe("encodeTensorValues", () => {
  test("F32 is the values' own bytes", () => {
    const values = Float32Array.of(1.5, -2, 0.25);
    expect(encode(GgmlType.F32, values)).toEqual(new Uint8Array(values.buffer));
  });

  test("F16 writes little-endian halves", () => {
    expect([...encode(GgmlType.F16, Float32Array.of(1, -2))]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
  });

  test("Q4_0 matches ggml's reference block layout", () => {
    const bytes = encode(GgmlType.Q4_0, ramp);
    expect(bytes.length).toBe(18);
    // The largest magnitude is -16, so d = -16 / -8 = 2 (fp16 0x4000).
    expect([bytes[0], bytes[1]]).toEqual([0x00, 0x40]);
    // Byte j packs element j (low nibble) and element j + 16 (high nibble): -16 -> 0, 0 -> 8.
    expect(bytes[2]).toBe(0x80);
    // Element 15 is -1 -> 8; element 31 is 15, and 15 / 2 + 8.5 = 16 is clamped to 15.
    expect(bytes[17]).toBe(0xf8);
  });

  test("Q8_0 matches ggml's reference block layout", () => {
    const bytes = encode(GgmlType.Q8_0, ramp);
    expect(bytes.length).toBe(34);
    expect(fromHalfBits(bytes[0]! | (bytes[1]! << 8))).toBeCloseTo(16 / 127, 4);
    expect((bytes[2]! << 24) >> 24).toBe(-127);
    expect(bytes[2 + 16]).toBe(0);
    expect((bytes[33]! << 24) >> 24).toBe(Math.round((15 * 127) / 16));
  });

  test.each([
    [GgmlType.Q8_0, 1 / 127],
    [GgmlType.Q4_0, 1 / 8],
  ] as const)(
    "quantizing random weights as %p keeps each value within a step of the block max",
    (type, step) => {
      const values = new SeededRandom(7, "weights").fillNormal(new Float32Array(4096), 0.02);
      const decoded = decode(type, encode(type, values), values.length);
      for (let block = 0; block < values.length / 32; block++) {
        const slice = values.subarray(block * 32, block * 32 + 32);
        const max = Math.max(...slice.map(Math.abs));
        for (let j = 0; j < 32; j++) {
          expect(Math.abs(decoded[block * 32 + j]! - slice[j]!)).toBeLessThanOrEqual(max * step * 1.01);
        }
      }
    },
  );

  test("an all-zero block encodes as a zero scale (negative zero, as in ggml: 0 / -8)", () => {
    const bytes = encode(GgmlType.Q4_0, new Float32Array(32));
    expect([bytes[0], bytes[1]]).toEqual([0x00, 0x80]);
    expect(decode(GgmlType.Q4_0, bytes, 32).every((v) => v === 0)).toBe(true);
  });

  test("rejects values that do not fill whole blocks", () => {
    expect(() => encodeTensorValues(GgmlType.Q8_0, new Float32Array(40), new Uint8Array(34))).toThrow(
      TensorShapeError,
    );
    expect(() => tensorByteSize(GgmlType.Q4_0, [48, 2])).toThrow(TensorShapeError);
  });
});
