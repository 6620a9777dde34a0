import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { GgmlType } from "../../../scripts/gguf/ggml-types.ts";
import { gguf } from "../../../scripts/gguf/value-types.ts";
import {
  encodeGgufPreamble,
  GGUF_ALIGNMENT,
  type GgufFile,
  GgufWriteError,
  ggufFileSize,
  writeGgufFile,
} from "../../../scripts/gguf/writer.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-gguf-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytesOf = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

const sample: GgufFile = {
  metadata: [
    { key: "general.architecture", value: gguf.string("llama") },
    { key: "general.name", value: gguf.string("writer test ✓") },
    { key: "test.flag", value: gguf.bool(true) },
    { key: "test.count", value: gguf.u32(7) },
    { key: "test.offset", value: gguf.i32(-3) },
    { key: "test.ratio", value: gguf.f32(0.5) },
    { key: "test.big", value: gguf.u64(2n ** 40n) },
    { key: "test.words", value: gguf.strings(["a", "bc", ""]) },
    { key: "test.floats", value: gguf.f32s([1, -1.5]) },
    { key: "test.ints", value: gguf.i32s([3, -4]) },
  ],
  tensors: [
    { name: "three", dims: [3], type: GgmlType.F32, data: () => [bytesOf([1, 2, 3])] },
    { name: "grid", dims: [2, 2], type: GgmlType.F32, data: () => [bytesOf([1, 2]), bytesOf([3, 4])] },
  ],
};

describe("writeGgufFile", () => {
  test("writes a file node-llama-cpp's GGUF reader parses back exactly", async () => {
    const path = join(dir, "sample.gguf");
    const written = writeGgufFile(path, sample);
    expect(statSync(path).size).toBe(written);
    expect(written).toBe(ggufFileSize(sample));

    const info = await readGgufFileInfo(path);
    expect(info.version).toBe(3);
    expect(info.metadata.general.name).toBe("writer test ✓");
    expect(info.metadata.general.alignment).toBe(GGUF_ALIGNMENT);
    const test = (info.metadata as unknown as { test: Record<string, unknown> }).test;
    expect(test).toEqual({
      flag: true,
      count: 7,
      offset: -3,
      ratio: 0.5,
      big: 2n ** 40n,
      words: ["a", "bc", ""],
      floats: [1, -1.5],
      ints: [3, -4],
    });
    expect(info.tensorInfo?.map((t) => [t.name, t.dimensions, t.offset])).toEqual([
      ["three", [3], 0],
      ["grid", [2, 2], GGUF_ALIGNMENT],
    ]);
  });

  test("aligns tensor data and places each tensor's bytes at its offset", async () => {
    const path = join(dir, "aligned.gguf");
    writeGgufFile(path, sample);
    const info = await readGgufFileInfo(path);
    const file = readFileSync(path);
    const grid = info.tensorInfo?.find((t) => t.name === "grid");
    const start = Number(grid?.fileOffset);
    expect(start % GGUF_ALIGNMENT).toBe(0);
    expect(start).toBe(encodeGgufPreamble(sample).length + GGUF_ALIGNMENT);
    expect([
      ...new Float32Array(file.buffer.slice(file.byteOffset + start, file.byteOffset + start + 16)),
    ]).toEqual([1, 2, 3, 4]);
    expect(file.length % GGUF_ALIGNMENT).toBe(0);
  });

  test("a tensor whose data is short fails and leaves neither the file nor a temp file", () => {
    const path = join(dir, "short.gguf");
    const bad: GgufFile = {
      metadata: [],
      tensors: [{ name: "short", dims: [4], type: GgmlType.F32, data: () => [bytesOf([1, 2])] }],
    };
    expect(() => writeGgufFile(path, bad)).toThrow(GgufWriteError);
    expect(readdirSync(dir).filter((name) => name.includes("short"))).toEqual([]);
  });

  test("a tensor whose data runs long fails", () => {
    const bad: GgufFile = {
      metadata: [],
      tensors: [{ name: "long", dims: [1], type: GgmlType.F32, data: () => [bytesOf([1]), bytesOf([2])] }],
    };
    expect(() => writeGgufFile(join(dir, "long.gguf"), bad)).toThrow(/more than/);
  });

  test("rejects duplicate keys and a caller-set alignment", () => {
    const twice: GgufFile = { metadata: [...sample.metadata, sample.metadata[0]!], tensors: [] };
    expect(() => encodeGgufPreamble(twice)).toThrow(/appears twice/);
    const aligned: GgufFile = { metadata: [{ key: "general.alignment", value: gguf.u32(64) }], tensors: [] };
    expect(() => encodeGgufPreamble(aligned)).toThrow(GgufWriteError);
  });

  test("an existing file is replaced whole", () => {
    const path = join(dir, "replace.gguf");
    writeGgufFile(path, sample);
    const small: GgufFile = { metadata: [], tensors: [] };
    writeGgufFile(path, small);
    expect(statSync(path).size).toBe(ggufFileSize(small));
  });
});
