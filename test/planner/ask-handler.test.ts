import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { LlamaBridge } from "../../src/llm/bridge.ts";
import { ModelNotFoundError } from "../../src/llm/errors.ts";
import { ModelLoader } from "../../src/llm/model-loader.ts";
import { createAskHandler } from "../../src/planner/ask-handler.ts";
import { InterruptedError } from "../../src/repl/interrupt.ts";
import { updateIndex } from "../../src/vault/index.ts";
import { captureOutput, plain, tempApp } from "../helpers/app.ts";
import { TEST_THREADS, testLlama, tinyModelPath } from "../helpers/models.ts";

let app: App;
let cleanup: () => void;
beforeAll(async () => {
  ({ app, cleanup } = await tempApp({ LLAMA_CPP_CONTEXT: "2048" }));
});
afterAll(() => cleanup());

describe("the REPL's ask handler", () => {
  test("with no model, the question gets a one-line answer saying where Ember looked", async () => {
    const loader = new ModelLoader({
      resolve: () => {
        throw new ModelNotFoundError(
          ["/a/models", "/b/models"],
          undefined,
          "put a .gguf file in one of them",
        );
      },
    });
    const out = captureOutput();
    await createAskHandler({ app, loader, out, style: plain, interactive: false })(
      "hello?",
      new AbortController().signal,
    );
    expect(out.text()).toContain("loading the model…");
    expect(out.text()).toContain("no model found; looked in /a/models, /b/models");
    expect(loader.state.kind).toBe("failed");
  }, 120_000);

  test("waits for the model, answers, and marks a Ctrl-C'd answer [interrupted]", async () => {
    const llama = await testLlama();
    const loader = new ModelLoader({
      resolve: () => ({ modelPath: tinyModelPath(), threads: TEST_THREADS, contextSize: 2048 }),
      open: (options) => LlamaBridge.open({ ...options, llama }),
    });
    mkdirSync(join(app.settings.vaultDir, "docs"), { recursive: true });
    writeFileSync(
      join(app.settings.vaultDir, "docs", "health.md"),
      "# Node\n\n## Health\n\nA healthy node has a green status line.\n",
    );
    await updateIndex(app.settings.vaultDir);
    const out = captureOutput();
    const ask = createAskHandler({ app, loader, out, style: plain, interactive: false });
    await ask("is the node healthy?", new AbortController().signal);
    expect(loader.state.kind).toBe("ready");
    expect(out.text()).toContain("loading the model…");
    // The answer's sources follow it.
    expect(out.text()).toEndWith("\nsources: docs/health.md:5 · Health\n");

    const interrupted = captureOutput();
    const controller = new AbortController();
    controller.abort(new InterruptedError());
    await createAskHandler({ app, loader, out: interrupted, style: plain, interactive: false })(
      "again?",
      controller.signal,
    );
    expect(interrupted.text()).toContain("[interrupted]");
    await loader.unload();
  }, 120_000);
});
