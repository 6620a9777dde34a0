/**
 * Many panes, one engine, in real terminals: each REPL pane has its own conversation, a queued pane
 * shows its place, and Ctrl-C in one pane takes only that pane's turn out of the queue.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempVault } from "../helpers/ember-cli.ts";
import { emberTerminals } from "../helpers/ember-terminals.ts";
import { eventually, type ServedEngine, serveEngine } from "../helpers/engine.ts";
import { tinyModelPath } from "../helpers/models.ts";

const terminals = emberTerminals();
let engine: ServedEngine | undefined;
afterAll(async () => {
  await engine?.stop();
  if (engine) rmSync(engine.vault, { recursive: true, force: true });
});

const MODEL_ENV = { LLAMA_CPP_MODEL: tinyModelPath(), LLAMA_CPP_CONTEXT: "4096", LLAMA_CPP_TEMPERATURE: "0" };

describe("two REPL panes on one engine", () => {
  test("a queued pane shows its place; Ctrl-C in one pane cancels only its turn; the other is answered", async () => {
    const vault = tempVault();
    writeFileSync(join(vault, "README.md"), "# Node\n\nThis node runs Ember.\n");
    engine = await serveEngine(vault, MODEL_ENV);
    const [a, b] = await Promise.all([
      terminals.start([], { vault, env: engine.env(MODEL_ENV) }),
      terminals.start([], { vault, env: engine.env(MODEL_ENV) }),
    ]);
    await a.tmux.waitFor(/^ember> ?$/m);
    await b.tmux.waitFor(/^ember> ?$/m);
    expect((await engine.client.status()).conversations).toBe(2);

    // Another program holds the model: a long greedy chat through the OpenAI route (seconds of work).
    const hold = new AbortController();
    const chat = fetch("http://engine/v1/chat/completions", {
      unix: engine.socket,
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "hold" }],
        max_tokens: 3000,
        temperature: 0,
      }),
      signal: hold.signal,
    }).catch(() => undefined);
    await eventually(
      "the chat to run",
      async () => (await engine!.client.status()).queue.running === "api" || undefined,
    );

    await a.tmux.sendText("first pane's question");
    await a.tmux.sendKeys("Enter");
    await a.tmux.waitFor("waiting: 1st in line for the model");
    await b.tmux.sendText("second pane's question");
    await b.tmux.sendKeys("Enter");
    await b.tmux.waitFor("waiting: 2nd in line for the model");

    await a.tmux.sendKeys("C-c");
    await a.tmux.waitFor(/\[interrupted\]\nember> ?$/m);
    // The pane behind moves up; the running chat is untouched.
    await b.tmux.waitFor("waiting: 1st in line for the model");
    expect((await engine.client.status()).queue.running).toBe("api");

    hold.abort();
    await chat;
    await b.tmux.waitFor(/\n(.*\n)*ember> ?$/m, { timeoutMs: 60_000 });
    const turns = (await engine.client.conversations()).map((c) => [c.lastQuestion ?? "", c.turns]);
    expect(turns).toContainEqual(["second pane's question", 1]);
    expect(turns).toContainEqual(["", 0]);
  }, 120_000);
});
