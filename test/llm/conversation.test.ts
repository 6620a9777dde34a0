import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatHistoryItem } from "node-llama-cpp";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { Conversation } from "../../src/llm/conversation.ts";
import { ContextOverflowError } from "../../src/llm/errors.ts";
import { STATE_LIMITS, StateFiles } from "../../src/llm/state-files.ts";
import { openTinyBridge } from "../helpers/models.ts";

let bridge: LlamaBridge;
const vaultDir = mkdtempSync(join(tmpdir(), "ember-conversation-"));
const SYSTEM = "You are a test. The static part every turn shares.";
const SAMPLING = { temperature: 0, topP: 1 };

beforeAll(async () => {
  bridge = await openTinyBridge(1024);
});
afterAll(async () => {
  await bridge.dispose();
  rmSync(vaultDir, { recursive: true, force: true });
});

/** A fresh conversation on a cleared sequence, with the events it logs. */
async function fresh() {
  await bridge.sequence.clearHistory();
  const logged: { message: string; fields: Record<string, unknown> }[] = [];
  const conversation = new Conversation({
    bridge,
    log: (message, fields) => logged.push({ message, fields }),
  });
  expect(await conversation.start(SYSTEM)).toBe("evaluated");
  return { conversation, logged };
}

const excerpt = (id: string, words: number) => ({
  id,
  text: `[${id}]\n${"antenna mast cable ".repeat(words)}`,
});

describe("Conversation", () => {
  test("turns are appended, never rendered again: the tokens are the model's own chat template of the whole chat", async () => {
    const { conversation } = await fresh();
    const history: ChatHistoryItem[] = [{ type: "system", text: SYSTEM }];
    for (const question of ["first question", "second, longer question", "third"]) {
      const before = [...conversation.tokens];
      const evaluatedBefore = conversation.counters.evaluated;
      conversation.beginTurn([question]);
      const added = conversation.tokens.length - before.length;
      const answer = await conversation.generate({ maxTokens: 6, ...SAMPLING });
      expect(conversation.tokens.slice(0, before.length)).toEqual(before);
      // Only the new tokens were handed to llama.cpp (plus the one a generation leaves pending).
      expect(conversation.counters.evaluated - evaluatedBefore).toBeLessThanOrEqual(added + 1);
      history.push({ type: "user", text: question }, { type: "model", response: [answer.text] });
    }
    const whole = bridge.model.detokenize(bridge.renderChat(history.slice(0, -1)), true);
    const ours = bridge.model.detokenize(conversation.tokens, true);
    // The same text as the template renders for the whole chat, up to the last answer.
    expect(ours.startsWith(whole)).toBe(true);
  }, 60_000);

  test("when full: the oldest turns' excerpts go first, then the oldest whole turns; prefix and last turn stay", async () => {
    const { conversation, logged } = await fresh();
    for (const n of [1, 2, 3]) {
      conversation.beginTurn([excerpt(`doc${n}`, 8), `question ${n}`]);
      await conversation.generate({ maxTokens: 4, ...SAMPLING });
    }
    const prefix = conversation.tokens.slice(0, conversation.staticTokens);
    expect(conversation.excerptIds).toEqual(new Set(["doc1", "doc2", "doc3"]));
    const evaluatedBefore = conversation.counters.evaluated;

    // One token more than is free: turn 1's excerpts are erased, nothing else.
    const dropped = await conversation.makeRoom(conversation.free + 1);
    expect(dropped).toEqual([{ turn: 1, what: "excerpts", tokens: expect.any(Number), excerpts: ["doc1"] }]);
    expect(conversation.excerptIds).toEqual(new Set(["doc2", "doc3"]));
    expect(logged.map((l) => l.message)).toContain("context full: erased");
    // The sequence and the conversation agree, and nothing was evaluated to get there.
    expect(bridge.contextTokens).toEqual(conversation.tokens.slice(0, bridge.contextTokens.length));
    expect(conversation.tokens.length - bridge.contextTokens.length).toBeLessThanOrEqual(1);
    expect(conversation.counters.evaluated).toBe(evaluatedBefore);

    // Then turn 2's excerpts, then turn 1 whole, then turn 2 whole; never the prefix or turn 3.
    const order: string[] = [];
    for (let i = 0; i < 3; i++)
      for (const d of await conversation.makeRoom(conversation.free + 1)) order.push(`${d.what}${d.turn}`);
    expect(order).toEqual(["excerpts2", "turn1", "turn2"]);
    await expect(conversation.makeRoom(conversation.free + 1, "raise llm.contextSize")).rejects.toThrow(
      ContextOverflowError,
    );
    expect(conversation.tokens.slice(0, conversation.staticTokens)).toEqual(prefix);
    expect(conversation.excerptIds).toEqual(new Set(["doc3"]));
    const text = bridge.model.detokenize(conversation.tokens, true);
    expect(text).toContain("question 3");
    expect(text).not.toContain("question 1");
    // Still a well-formed chat: the system message, then turn 3's user message and its answer.
    expect(text.split("<|im_start|>user").length).toBe(2);
    expect(conversation.counters.evaluated).toBe(evaluatedBefore);

    // The next turn goes on from there, evaluating only itself.
    const before = conversation.tokens.length;
    conversation.beginTurn(["question 4"]);
    const added = conversation.tokens.length - before;
    const next = await conversation.generate({ maxTokens: 4, ...SAMPLING });
    expect(next.evaluatedTokens).toBeLessThanOrEqual(added + 1);
    await expect(conversation.makeRoom(conversation.contextSize, "raise llm.contextSize")).rejects.toThrow(
      "raise llm.contextSize",
    );
  }, 60_000);

  test("rewind takes a half-made turn back out", async () => {
    const { conversation } = await fresh();
    conversation.beginTurn(["kept"]);
    await conversation.generate({ maxTokens: 3, ...SAMPLING });
    const kept = [...conversation.tokens];
    const mark = conversation.mark();
    conversation.beginTurn([excerpt("half", 5), "dropped"]);
    conversation.appendText('{"commands":[');
    conversation.rewind(mark);
    expect(conversation.tokens).toEqual(kept);
    expect(conversation.excerptIds).toEqual(new Set());
    expect(conversation.turnsStarted).toBe(1);
  }, 60_000);

  test("a speculative prefill is kept where the turn matches it, and dropped where it does not", async () => {
    const { conversation } = await fresh();
    const pieces = [excerpt("spec", 10), "what is the mast height?"];
    const speculative = conversation.turnTokens(pieces);
    const pre = await conversation.prefill(speculative);
    expect(pre.evaluatedTokens).toBe(speculative.length);
    conversation.beginTurn(pieces);
    // Everything the turn adds was evaluated while typing.
    expect((await conversation.evaluate()).evaluatedTokens).toBe(0);

    await conversation.prefill(conversation.turnTokens(["a guess that will be wrong"]));
    conversation.beginTurn(["something else entirely"]);
    const count = await conversation.evaluate();
    expect(bridge.contextTokens).toEqual([...conversation.tokens]);
    expect(count.evaluatedTokens).toBeLessThanOrEqual(
      conversation.turnTokens(["something else entirely"]).length,
    );
  }, 60_000);

  test("saved and restored in a new context: a follow-up evaluates only its own tokens", async () => {
    const states = new StateFiles({ vaultDir, ...STATE_LIMITS.conversations });
    const { conversation } = await fresh();
    conversation.beginTurn([excerpt("saved", 5), "first"]);
    await conversation.generate({ maxTokens: 4, ...SAMPLING });
    await conversation.save(states, "ask-1");
    const saved = [...conversation.tokens];

    await bridge.sequence.clearHistory();
    const other = new Conversation({ bridge });
    expect(await other.restore(states, "ask-1", "a different system text")).toBe(false);
    expect(await other.restore(states, "ask-1", SYSTEM)).toBe(true);
    expect(other.tokens).toEqual(saved);
    expect(other.excerptIds).toEqual(new Set(["saved"]));
    expect(other.turnsStarted).toBe(1);
    other.beginTurn(["follow-up"]);
    const added = other.tokens.length - saved.length;
    const follow = await other.generate({ maxTokens: 2, ...SAMPLING });
    expect(follow.evaluatedTokens).toBe(added);
  }, 60_000);
});
