/**
 * The engine keeps at most `engine.maxConversations` conversations: past it the least recently
 * used ones go, never one whose turn waits or runs; a client asking in a dropped one is answered
 * in a fresh conversation and told so. Through `ember serve` over its Unix socket.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AttachedEngine } from "../../src/engine/attached.ts";
import { EngineClient } from "../../src/engine/client.ts";
import { tempVault } from "../helpers/ember-cli.ts";
import { eventually, type ServedEngine, serveEngine, writeEngineConfig } from "../helpers/engine.ts";
import { tinyModelPath } from "../helpers/models.ts";

let engine: ServedEngine;

beforeAll(async () => {
  const vault = tempVault();
  writeFileSync(join(vault, "README.md"), "# Node\n\nThis node runs Ember.\n");
  writeEngineConfig(vault, { idleMinutes: 0, maxConversations: 3 });
  engine = await serveEngine(vault, {
    LLAMA_CPP_MODEL: tinyModelPath(),
    LLAMA_CPP_CONTEXT: "4096",
    LLAMA_CPP_TEMPERATURE: "0",
  });
  await eventually("the model", async () => (await engine.client.status()).model.state === "ready");
});

afterAll(async () => {
  await engine?.stop();
  rmSync(engine.vault, { recursive: true, force: true });
  rmSync(engine.tmp, { recursive: true, force: true });
});

const ids = async () => (await engine.client.conversations()).map((c) => c.id);

test("past engine.maxConversations the least recently used go, never one whose turn waits", async () => {
  const { client } = engine;
  // Another program holds the model (a long greedy chat), so the turn below waits in the queue.
  const hold = new AbortController();
  const chat = fetch("http://engine/v1/chat/completions", {
    unix: engine.socket,
    method: "POST",
    body: JSON.stringify({ messages: [{ role: "user", content: "hold" }], max_tokens: 3000, temperature: 0 }),
    signal: hold.signal,
  }).catch(() => undefined);
  await eventually(
    "the chat to run",
    async () => (await client.status()).queue.running === "api" || undefined,
  );

  const waiting = await client.newConversation();
  const turn = client.ask(waiting, "what runs here?");
  await eventually("the turn to wait", async () => (await client.status()).queue.waiting.includes(waiting));
  const [b, c] = [await client.newConversation(), await client.newConversation()];
  expect(await ids()).toEqual([waiting, b, c]);
  const d = await client.newConversation();
  // Four: the waiting one is the least recently used, but its turn holds it; b goes instead.
  expect(await ids()).toEqual([waiting, c, d]);
  const e = await client.newConversation();
  expect(await ids()).toEqual([waiting, d, e]);

  hold.abort();
  await chat;
  const answered = await turn;
  expect(answered.stopped).toBeUndefined();
  expect(answered.question).toBe("what runs here?");
  // Asking in d makes it the most recently used: the next new one drops the waiting one (done
  // now, and no longer in the sequence), then e would go before d.
  await client.ask(d, "and now?");
  const f = await client.newConversation();
  expect(await ids()).toEqual([e, d, f]);
  // The conversation the model's sequence holds (d, asked last) stays even as the least recently used.
  const g = await client.newConversation();
  const h = await client.newConversation();
  expect(await ids()).toEqual([d, g, h]);
}, 60_000);

test("ember ask conversations go before a pane's, however long the pane was idle", async () => {
  const pane = await engine.client.newConversation();
  const asks: string[] = [];
  for (let i = 0; i < 4; i++) {
    const ask = await engine.client.newConversation({ ask: true });
    asks.push(ask);
    // Never dropped as it is made, though it is the only ask conversation to drop.
    expect(await ids()).toContain(ask);
  }
  const kept = await ids();
  expect(kept).toContain(pane);
  for (const ask of asks.slice(0, 3)) expect(kept).not.toContain(ask);
});

test("a pane's conversation stays while its client's event stream holds it, and may go once it closes", async () => {
  const attached = new AttachedEngine(new EngineClient(engine.socket), {
    vaultDir: engine.vault,
    restart: () => Promise.reject(new Error("the engine does not go away in this test")),
    notice: () => {},
  });
  const unwatch = attached.watch(() => {});
  const pane = await attached.newConversation();
  const held = async () => (await engine.client.conversations()).find((c) => c.id === pane)?.held === true;
  await eventually("the pane's stream to hold its conversation", held);
  for (let i = 0; i < 4; i++) await engine.client.newConversation();
  expect(await ids()).toContain(pane);

  unwatch();
  await eventually("the hold to end", async () => !(await held()));
  for (let i = 0; i < 3; i++) await engine.client.newConversation();
  expect(await ids()).not.toContain(pane);
  await attached.close();
});

test("a client asking in a dropped conversation is answered in a fresh one, and told so", async () => {
  const notices: string[] = [];
  const attached = new AttachedEngine(new EngineClient(engine.socket), {
    vaultDir: engine.vault,
    restart: () => Promise.reject(new Error("the engine does not go away in this test")),
    notice: (line) => notices.push(line),
  });
  const pane = await attached.newConversation();
  for (let i = 0; i < 3; i++) await engine.client.newConversation();
  expect(await ids()).not.toContain(pane);

  const result = await attached.ask(pane, "is it still there?");
  expect(result.stopped).toBeUndefined();
  expect(notices).toEqual([
    "the engine had dropped this conversation (idle, many newer ones); asking in a fresh one",
  ]);
  const fresh = (await engine.client.conversations()).find((c) => c.lastQuestion === "is it still there?");
  expect(fresh?.turns).toBe(1);
  // The handle names the fresh conversation from then on: the next question continues it.
  await attached.ask(pane, "and after that?");
  expect(notices).toHaveLength(1);
  const after = (await engine.client.conversations()).find((c) => c.id === fresh?.id);
  expect(after).toMatchObject({ turns: 2, lastQuestion: "and after that?" });
  await attached.close();
}, 60_000);
