import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyModelFile } from "../../scripts/gguf/tiny-model.ts";
import { writeGgufFile } from "../../scripts/gguf/writer.ts";
import { LlamaBridge, nextPrefillSlice } from "../../src/llm/bridge.ts";
import { ContextOverflowError, ModelFileError } from "../../src/llm/errors.ts";
import { openTinyBridge, testLlama, tinyModelPath } from "../helpers/models.ts";

let bridge: LlamaBridge;
const dir = mkdtempSync(join(tmpdir(), "ember-bridge-"));

beforeAll(async () => {
  bridge = await openTinyBridge(1024);
});
afterAll(async () => {
  await bridge.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const chat = (user: string) => [
  { type: "system" as const, text: "You are a test. Static part that every prompt shares." },
  { type: "user" as const, text: user },
];

describe("LlamaBridge", () => {
  test("renders prompts with the model's own chat template (ChatML for the tiny model)", () => {
    expect(bridge.chatWrapper.wrapperName).toBe("ChatML");
    const text = bridge.model.detokenize(bridge.renderChat(chat("hi")), true);
    expect(text).toContain("<|im_start|>system\nYou are a test.");
    expect(text.endsWith("<|im_start|>assistant\n")).toBe(true);
  });

  test("a second prompt evaluates only what differs from the first", async () => {
    await bridge.sequence.clearHistory();
    const first = bridge.renderChat(chat("first question"));
    const one = await bridge.generate(first, { maxTokens: 8, temperature: 0, topP: 1 });
    expect(one.reusedTokens).toBe(0);
    expect(one.evaluatedTokens).toBe(first.length);

    const second = bridge.renderChat(chat("second, longer question"));
    let common = 0;
    while (first[common] === second[common]) common++;
    const two = await bridge.generate(second, { maxTokens: 8, temperature: 0, topP: 1 });
    expect(two.reusedTokens).toBe(common);
    expect(two.evaluatedTokens).toBe(second.length - common);
    expect(bridge.contextTokens.slice(0, second.length)).toEqual(second);
  });

  test("the same prompt again evaluates one token (the one that yields the next logits)", async () => {
    const prompt = bridge.renderChat(chat("same"));
    await bridge.generate(prompt, { maxTokens: 4, temperature: 0, topP: 1 });
    const again = await bridge.generate(prompt, { maxTokens: 4, temperature: 0, topP: 1 });
    expect(again.evaluatedTokens).toBe(1);
    expect(again.reusedTokens).toBe(prompt.length - 1);
  });

  test("streams text as it is generated and stops at maxTokens", async () => {
    const pieces: string[] = [];
    const generation = await bridge.generate(bridge.renderChat(chat("stream")), {
      maxTokens: 10,
      temperature: 0.2,
      topP: 0.9,
      seed: 3,
      onText: (text) => pieces.push(text),
    });
    expect(generation.generatedTokens).toBeLessThanOrEqual(10);
    expect(pieces.join("")).toBe(generation.text);
    if (generation.stopReason !== "eog" && generation.stopReason !== "stopTrigger")
      expect(generation.stopReason).toBe("maxTokens");
  });

  test("an abort stops generation after the current token and returns the partial text", async () => {
    const controller = new AbortController();
    const generation = await bridge.generate(bridge.renderChat(chat("abort me")), {
      maxTokens: 200,
      temperature: 0,
      topP: 1,
      signal: controller.signal,
      onText: () => controller.abort(new Error("stop")),
    });
    expect(generation.stopReason).toBe("aborted");
    expect(generation.generatedTokens).toBeLessThan(5);
  });

  test("a prompt that cannot fit with its reply is refused before anything is evaluated", async () => {
    const prompt = bridge.renderChat(chat("x ".repeat(600)));
    await expect(bridge.generate(prompt, { maxTokens: 900, temperature: 0, topP: 1 })).rejects.toBeInstanceOf(
      ContextOverflowError,
    );
  });

  test("corrupt and truncated model files fail to open with ModelFileError naming the file", async () => {
    const garbage = join(dir, "garbage.gguf");
    writeFileSync(garbage, Buffer.alloc(2048, 7));
    const truncated = join(dir, "truncated.gguf");
    const bytes = readFileSync(tinyModelPath());
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 4096));
    const llama = await testLlama();
    for (const [path, reason] of [
      [garbage, "not a GGUF file"],
      [truncated, "truncated"],
    ] as const) {
      const opening = LlamaBridge.open({ modelPath: path, threads: 1, contextSize: 512, llama });
      await expect(opening).rejects.toBeInstanceOf(ModelFileError);
      await expect(
        LlamaBridge.open({ modelPath: path, threads: 1, contextSize: 512, llama }),
      ).rejects.toThrow(`model ${path}: ${reason}`);
    }
  });

  test("a model llama.cpp refuses names llama.cpp's reason, and its log lines go to onNativeLog, not the terminal", async () => {
    const file = tinyModelFile();
    const broken = join(dir, "no-output-norm.gguf");
    writeGgufFile(broken, {
      metadata: file.metadata,
      tensors: file.tensors.filter((tensor) => tensor.name !== "output_norm.weight"),
    });
    const logged: string[] = [];
    // No shared `llama`: the bridge makes its own, with its logger, as the REPL's loader does.
    const opening = LlamaBridge.open({
      modelPath: broken,
      threads: 1,
      contextSize: 512,
      onNativeLog: (message) => logged.push(message),
    });
    await expect(opening).rejects.toBeInstanceOf(ModelFileError);
    await expect(opening).rejects.toThrow(
      `model ${broken}: llama.cpp cannot load it (missing tensor 'output_norm.weight')`,
    );
    expect(logged.join("\n")).toContain("missing tensor 'output_norm.weight'");
  });
});

describe("nextPrefillSlice: prompt slices sized to take about a second", () => {
  test("follows the measured speed within 64..512 tokens", () => {
    expect(nextPrefillSlice(128, 1000, 128)).toBe(128);
    expect(nextPrefillSlice(128, 500, 128)).toBe(256);
    expect(nextPrefillSlice(128, 4000, 128)).toBe(64);
    expect(nextPrefillSlice(512, 100, 512)).toBe(512);
  });

  test("a short last slice or no time measured keeps the size", () => {
    expect(nextPrefillSlice(10, 10, 128)).toBe(128);
    expect(nextPrefillSlice(128, 0, 128)).toBe(128);
  });
});
