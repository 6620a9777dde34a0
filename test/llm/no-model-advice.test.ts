import { describe, expect, test } from "bun:test";
import { noModelAdvice, noModelMessage } from "../../src/llm/no-model-advice.ts";

describe("what a 'no model' message suggests", () => {
  test("every node: a .gguf file or LLAMA_CPP_MODEL, and nothing that cannot work", () => {
    expect(noModelAdvice({ updateChannel: "", cwd: "/srv", checkout: undefined })).toBe(
      "put a .gguf file in one of them or set LLAMA_CPP_MODEL=/path/to/model.gguf",
    );
  });

  test("`ember model pull` only with an update channel", () => {
    const advice = noModelAdvice({ updateChannel: "/media/usb/channel", cwd: "/srv", checkout: undefined });
    expect(advice).toEndWith("; run `ember model pull NAME` to fetch one");
  });

  test("in a checkout, the tiny-model script, named from where the operator stands", () => {
    const atRoot = noModelAdvice({ updateChannel: "", cwd: "/src/ember", checkout: "/src/ember" });
    expect(atRoot).toEndWith(
      "; to try Ember without real weights, `bun scripts/make-tiny-model.ts models/tiny.gguf` writes a tiny random one",
    );
    const elsewhere = noModelAdvice({ updateChannel: "", cwd: "/home/op", checkout: "/src/ember" });
    expect(elsewhere).toContain("`bun /src/ember/scripts/make-tiny-model.ts models/tiny.gguf`");
  });

  test("the message lists every folder searched, then the advice", () => {
    expect(noModelMessage(["/a/models", "/b/models"], "ADVICE")).toBe(
      "no model found; looked in /a/models, /b/models — ADVICE",
    );
    expect(noModelMessage(["/a/models"], "ADVICE", "qwen")).toBe(
      'no model matches "qwen"; looked in /a/models — ADVICE',
    );
  });
});
