import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Llama, LlamaContext, LlamaModel } from "node-llama-cpp";
import { TINY_MODEL_DEFAULTS, type TinyModelOptions, tinyModelFile } from "../../scripts/gguf/tiny-model.ts";
import { writeGgufFile } from "../../scripts/gguf/writer.ts";
import { LlamaBridge } from "../../src/llm/bridge.ts";
import { loadLlama } from "../../src/llm/native.ts";

export type { TinyModelOptions } from "../../scripts/gguf/tiny-model.ts";

/** Tests run llama with one thread: the machines have two cores and several test files. */
export const TEST_THREADS = 1;

/**
 * One folder shared by all test processes, so repeated runs reuse the same few files instead of
 * leaving a temp folder each (bun test does not run exit hooks).
 */
const MODELS_DIR = join(tmpdir(), "ember-test-models");
const paths = new Map<string, string>();

/**
 * Path of the tiny test model for `options`. Each test process writes it afresh on first use
 * (~20 ms), so a changed generator never serves stale bytes; the write goes through a temp file
 * and a rename, so processes running side by side never see a partial file.
 */
export function tinyModelPath(options: TinyModelOptions = {}): string {
  const { layers, embd, seed, type } = { ...TINY_MODEL_DEFAULTS, ...options };
  const key = `tiny-l${layers}-e${embd}-s${seed}-${type}`;
  const known = paths.get(key);
  if (known !== undefined) return known;
  mkdirSync(MODELS_DIR, { recursive: true });
  const path = join(MODELS_DIR, `${key}.gguf`);
  writeGgufFile(path, tinyModelFile({ layers, embd, seed, type }));
  paths.set(key, path);
  return path;
}

let llama: Promise<Llama> | undefined;

/** The process's CPU-only llama: never builds or downloads anything, logs only errors. */
export function testLlama(): Promise<Llama> {
  llama ??= loadLlama();
  return llama;
}

/** Ember's bridge on the tiny model, one thread, the shared llama; dispose it when done. */
export async function openTinyBridge(contextSize: number): Promise<LlamaBridge> {
  return LlamaBridge.open({
    modelPath: tinyModelPath(),
    threads: TEST_THREADS,
    contextSize,
    llama: await testLlama(),
  });
}

const models = new Map<string, Promise<LlamaModel>>();

/** The tiny model for `options`, loaded once per test process. Don't dispose it: others share it. */
export function loadTinyModel(options: TinyModelOptions = {}): Promise<LlamaModel> {
  const path = tinyModelPath(options);
  let model = models.get(path);
  if (model === undefined) {
    model = testLlama().then((loaded) => loaded.loadModel({ modelPath: path }));
    models.set(path, model);
  }
  return model;
}

/** A fresh context on the tiny model with one thread and 512 tokens; dispose it when done. */
export async function createTinyContext(options: TinyModelOptions = {}): Promise<LlamaContext> {
  const model = await loadTinyModel(options);
  return model.createContext({ threads: TEST_THREADS, contextSize: 512 });
}
