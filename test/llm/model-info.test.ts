import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelFileError } from "../../src/llm/errors.ts";
import { formatParameters, readModelInfo } from "../../src/llm/model-info.ts";
import { tinyModelPath } from "../helpers/models.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-model-info-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first `bytes` of the tiny model: an interrupted download. */
function truncatedModel(bytes: number): string {
  const path = join(dir, `truncated-${bytes}.gguf`);
  writeFileSync(path, readFileSync(tinyModelPath()).subarray(0, bytes));
  return path;
}

describe("readModelInfo", () => {
  test("reads name, architecture, parameters, quantization, context and size from the header", async () => {
    const info = await readModelInfo(tinyModelPath());
    expect(info.name).toBe("Ember Tiny Test Model");
    expect(info.architecture).toBe("llama");
    expect(info.parameters).toBeGreaterThan(100_000);
    expect(formatParameters(info.parameters)).toMatch(/^\d+(\.\d+)?K$/);
    expect(info.quantization).toBe("F32");
    expect(info.contextLength).toBe(4096);
    expect(info.fileSize).toBe(readFileSync(tinyModelPath()).length);
  });

  test("a file cut inside its tensor data is reported as truncated with the sizes", async () => {
    const size = readFileSync(tinyModelPath()).length;
    const path = truncatedModel(size - 1000);
    await expect(readModelInfo(path)).rejects.toThrow(
      /truncated: the tensors need \d+ bytes but the file has \d+/,
    );
  });

  test("a file cut inside its header is reported as truncated", async () => {
    await expect(readModelInfo(truncatedModel(6000))).rejects.toBeInstanceOf(ModelFileError);
    await expect(readModelInfo(truncatedModel(6000))).rejects.toThrow("truncated");
  });

  test("garbage bytes are not a GGUF file; a missing file says so", async () => {
    const garbage = join(dir, "garbage.gguf");
    writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 251)));
    await expect(readModelInfo(garbage)).rejects.toThrow(`model ${garbage}: not a GGUF file`);
    await expect(readModelInfo(join(dir, "missing.gguf"))).rejects.toThrow("ENOENT");
  });
});
