import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type GgmlType, tensorByteSize } from "./ggml-types.ts";
import { type GgufKeyValue, type GgufValue, GgufValueType } from "./value-types.ts";

/** GGUF's default alignment; the writer also records it as `general.alignment`. */
export const GGUF_ALIGNMENT = 32;
const GGUF_VERSION = 3;
const utf8 = new TextEncoder();

export interface GgufTensor {
  readonly name: string;
  /** ggml order: dims[0] is the contiguous row length (ne0). */
  readonly dims: readonly number[];
  readonly type: GgmlType;
  /**
   * Yields the tensor's encoded bytes in order. A chunk may be reused by the next step of the
   * iterator: the writer is done with it before asking for more.
   */
  readonly data: () => Iterable<Uint8Array>;
}

export interface GgufFile {
  readonly metadata: readonly GgufKeyValue[];
  readonly tensors: readonly GgufTensor[];
}

export class GgufWriteError extends Error {
  override name = "GgufWriteError";
}

/** Everything before the tensor data: header, key/values, tensor infos and padding. */
export function encodeGgufPreamble(file: GgufFile): Uint8Array {
  const out = new ByteWriter();
  out.bytes(utf8.encode("GGUF"));
  out.u32(GGUF_VERSION);
  out.u64(BigInt(file.tensors.length));
  const metadata = withAlignment(file.metadata);
  out.u64(BigInt(metadata.length));
  for (const { key, value } of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  let offset = 0;
  for (const tensor of file.tensors) {
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(BigInt(dim));
    out.u32(tensor.type);
    out.u64(BigInt(offset));
    offset += padded(tensorByteSize(tensor.type, tensor.dims));
  }
  out.bytes(new Uint8Array(padded(out.length) - out.length));
  return out.toBytes();
}

/** Size in bytes of the file `writeGgufFile` writes for `file`. */
export function ggufFileSize(file: GgufFile): number {
  let size = encodeGgufPreamble(file).length;
  for (const tensor of file.tensors) size += padded(tensorByteSize(tensor.type, tensor.dims));
  return size;
}

/**
 * Streams `file` to `path` through a temp file in the same folder (fsync, then rename), so a
 * crash or a bad tensor never leaves a half-written model behind. Returns the byte count.
 */
export function writeGgufFile(path: string, file: GgufFile): number {
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tempPath, "w");
  let written = 0;
  try {
    written += writeAll(fd, encodeGgufPreamble(file));
    for (const tensor of file.tensors) {
      const expected = tensorByteSize(tensor.type, tensor.dims);
      let tensorBytes = 0;
      for (const chunk of tensor.data()) {
        tensorBytes += chunk.length;
        if (tensorBytes > expected) break;
        written += writeAll(fd, chunk);
      }
      if (tensorBytes !== expected) {
        throw new GgufWriteError(
          `tensor ${tensor.name}: data yielded ${tensorBytes > expected ? "more than" : tensorBytes} bytes, expected ${expected}`,
        );
      }
      written += writeAll(fd, new Uint8Array(padded(expected) - expected));
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tempPath, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tempPath, path);
  return written;
}

function writeAll(fd: number, bytes: Uint8Array): number {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  return bytes.length;
}

function padded(size: number): number {
  return Math.ceil(size / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
}

function withAlignment(metadata: readonly GgufKeyValue[]): readonly GgufKeyValue[] {
  const keys = new Set<string>();
  for (const { key } of metadata) {
    if (keys.has(key)) throw new GgufWriteError(`metadata key ${key} appears twice`);
    keys.add(key);
  }
  if (keys.has("general.alignment")) throw new GgufWriteError("general.alignment is set by the writer");
  return [
    ...metadata,
    { key: "general.alignment", value: { type: GgufValueType.Uint32, value: GGUF_ALIGNMENT } },
  ];
}

function writeValue(out: ByteWriter, value: GgufValue): void {
  out.u32(value.type);
  if (value.type === GgufValueType.String) {
    out.string(value.value);
  } else if (value.type === GgufValueType.Bool) {
    out.u8(value.value ? 1 : 0);
  } else if (value.type === GgufValueType.Uint64) {
    out.u64(value.value);
  } else if (value.type === GgufValueType.Int64) {
    out.i64(value.value);
  } else if (value.type === GgufValueType.Array) {
    out.u32(value.itemType);
    out.u64(BigInt(value.items.length));
    if (value.itemType === GgufValueType.String) {
      for (const item of value.items) out.string(item);
    } else {
      for (const item of value.items) writeNumber(out, value.itemType, item);
    }
  } else {
    writeNumber(out, value.type, value.value);
  }
}

type NumberSetter = (view: DataView, at: number, value: number) => void;

const numberWriters: Partial<Record<GgufValueType, readonly [size: number, set: NumberSetter]>> = {
  [GgufValueType.Uint8]: [1, (view, at, value) => view.setUint8(at, value)],
  [GgufValueType.Int8]: [1, (view, at, value) => view.setInt8(at, value)],
  [GgufValueType.Uint16]: [2, (view, at, value) => view.setUint16(at, value, true)],
  [GgufValueType.Int16]: [2, (view, at, value) => view.setInt16(at, value, true)],
  [GgufValueType.Uint32]: [4, (view, at, value) => view.setUint32(at, value, true)],
  [GgufValueType.Int32]: [4, (view, at, value) => view.setInt32(at, value, true)],
  [GgufValueType.Float32]: [4, (view, at, value) => view.setFloat32(at, value, true)],
  [GgufValueType.Float64]: [8, (view, at, value) => view.setFloat64(at, value, true)],
};

function writeNumber(out: ByteWriter, type: GgufValueType, value: number): void {
  const writer = numberWriters[type];
  if (writer === undefined)
    throw new GgufWriteError(`GGUF type ${GgufValueType[type]} is not a plain number`);
  const [size, set] = writer;
  out.view(size, (view, at) => set(view, at, value));
}

/** A little-endian byte buffer that grows as it is written. */
class ByteWriter {
  private buffer = new Uint8Array(1 << 16);
  private data = new DataView(this.buffer.buffer);
  length = 0;

  view(size: number, write: (view: DataView, at: number) => void): void {
    this.reserve(size);
    write(this.data, this.length);
    this.length += size;
  }

  u8(value: number): void {
    this.view(1, (view, at) => view.setUint8(at, value));
  }

  u32(value: number): void {
    this.view(4, (view, at) => view.setUint32(at, value, true));
  }

  u64(value: bigint): void {
    this.view(8, (view, at) => view.setBigUint64(at, value, true));
  }

  i64(value: bigint): void {
    this.view(8, (view, at) => view.setBigInt64(at, value, true));
  }

  string(text: string): void {
    const encoded = utf8.encode(text);
    this.u64(BigInt(encoded.length));
    this.bytes(encoded);
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(size: number): void {
    if (this.length + size <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + size) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.data = new DataView(grown.buffer);
  }
}
