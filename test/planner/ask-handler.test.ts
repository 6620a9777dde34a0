import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { Engine } from "../../src/engine/engine.ts";
import { LlamaBridge } from "../../src/llm/bridge.ts";
import { createAskHandler } from "../../src/planner/ask-handler.ts";
import { InterruptedError } from "../../src/repl/interrupt.ts";
import { createStyle } from "../../src/terminal/style.ts";
import { updateIndex } from "../../src/vault/index.ts";
import { captureOutput, plain, tempApp } from "../helpers/app.ts";
import { testLlama, tinyModelPath } from "../helpers/models.ts";

let app: App;
let cleanup: () => void;
beforeAll(async () => {
  ({ app, cleanup } = await tempApp({ LLAMA_CPP_CONTEXT: "2048" }));
});
afterAll(() => cleanup());

async function handlerOn(engine: Engine, out = captureOutput()) {
  const conversation = await engine.newConversation();
  return {
    out,
    ask: createAskHandler({
      app,
      engine,
      conversation: () => conversation,
      out,
      style: plain,
      interactive: false,
    }),
  };
}

describe("the REPL's ask handler", () => {
  test("with no model, the question gets a one-line answer saying where Ember looked", async () => {
    const engine = new Engine(app);
    const { out, ask } = await handlerOn(engine);
    await ask("hello?", new AbortController().signal);
    expect(out.text()).toContain("loading the model…");
    expect(out.text()).toMatch(/no model found; looked in \S+/);
    expect(engine.model.state.kind).toBe("failed");
  }, 120_000);

  test("waits for the model and answers; Ctrl-C during an answer stops it and marks it [interrupted]", async () => {
    const llama = await testLlama();
    const engine = new Engine(app, { open: (options) => LlamaBridge.open({ ...options, llama }) });
    app.settings.config.llm.model = tinyModelPath();
    const { out, ask } = await handlerOn(engine);
    mkdirSync(join(app.settings.vaultDir, "docs"), { recursive: true });
    writeFileSync(
      join(app.settings.vaultDir, "docs", "health.md"),
      "# Node\n\n## Health\n\nA healthy node has a green status line.\n",
    );
    await updateIndex(app.settings.vaultDir);
    await ask("is the node healthy?", new AbortController().signal);
    expect(engine.model.state.kind).toBe("ready");
    expect(out.text()).toContain("loading the model…");
    // The answer's sources follow it.
    expect(out.text()).toEndWith("\nsources: docs/health.md:5 · Health\n");

    // Ctrl-C once the answer is streaming: the handler stops it there and marks it. With colour
    // on, command output comes dimmed, so the first plain write is the answer's first text.
    const controller = new AbortController();
    let answer = "";
    const capture = captureOutput();
    const streaming = {
      line: capture.line,
      write(text: string) {
        capture.write(text);
        if (text.startsWith("\x1b[")) return;
        answer += text;
        if (!controller.signal.aborted) controller.abort(new InterruptedError());
      },
    };
    const conversation = await engine.newConversation();
    const stopped = createAskHandler({
      app,
      engine,
      conversation: () => conversation,
      out: streaming,
      style: createStyle(true),
      interactive: false,
    });
    const answered = await stopped("again, is the node healthy?", controller.signal);
    expect(answered).toBe(false);
    expect(answer).not.toBe("");
    // The partial answer, then the mark, and no sources: the answer was cut, not finished.
    expect(Bun.stripANSI(capture.text())).toEndWith(`${answer} [interrupted]\n`);
    expect(capture.text()).not.toContain("sources:");
    await engine.close();
  }, 120_000);
});
