import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { commonPrefixLength, type LlamaBridge } from "../../src/llm/bridge.ts";
import { Conversation } from "../../src/llm/conversation.ts";
import { roomAfterMessage, turnMessage } from "../../src/planner/plan.ts";
import { loadPrompts } from "../../src/planner/prompts.ts";
import { retrieveForTurn } from "../../src/planner/retrieve.ts";
import {
  completeWords,
  SPECULATIVE_SLICE_TOKENS,
  SpeculativePrefill,
} from "../../src/planner/speculative-prefill.ts";
import { Transcript } from "../../src/planner/transcript.ts";
import { runTurn } from "../../src/planner/turn.ts";
import { updateIndex } from "../../src/vault/index.ts";
import { tempApp } from "../helpers/app.ts";
import { openTinyBridge } from "../helpers/models.ts";

/**
 * Prefill while the operator types, on the tiny model: what it evaluates is exactly the turn's
 * message up to the question's last complete word; the turn then evaluates only the rest; a new
 * line keeps what the two share; a drop leaves the sequence holding the conversation alone.
 */

let app: App;
let vault: string;
let cleanup: () => void;
let bridge: LlamaBridge;

beforeAll(async () => {
  ({ app, vault, cleanup } = await tempApp({ LLAMA_CPP_CONTEXT: "2048", LLAMA_CPP_MAX_TOKENS: "8" }));
  writeFileSync(join(vault, "README.md"), "# Node\n\nThis node runs Ember.\n");
  mkdirSync(join(vault, "docs"), { recursive: true });
  writeFileSync(
    join(vault, "docs", "antenna.md"),
    "# Antenna\n\nThe antenna mast is 12 m tall.\nCheck the antenna cable for water before the relay handover.\n",
  );
  writeFileSync(
    join(vault, "docs", "fuel.md"),
    "# Fuel\n\nThe fuel filter of the generator is changed monthly.\n",
  );
  await updateIndex(vault);
  bridge = await openTinyBridge(2048);
});
afterAll(async () => {
  await bridge.dispose();
  cleanup();
});

const QUESTION = "How do I check the antenna cable before the relay handover?";

/** The turn's message for `question`, as the plan step lays it out, on `conversation` as it is. */
function messageTokens(conversation: Conversation, question: string) {
  const prompts = loadPrompts({ plannerPath: "", responderPath: "", vaultDir: vault, cwd: vault });
  const { excerpts } = retrieveForTurn(app, conversation, question);
  return conversation.turnTokens(turnMessage(prompts.planner, question, excerpts));
}

/** The speculative tokens the sequence holds after the conversation. */
function tail(conversation: Conversation) {
  return bridge.contextTokens.slice(conversation.tokens.length);
}

function fresh() {
  return new Conversation({ bridge });
}

async function turn(conversation: Conversation, question: string) {
  return runTurn(
    { app, conversation, transcript: new Transcript({ vaultDir: vault }) },
    { question, plan: { commands: [] }, seed: 1 },
  );
}

describe("speculative prefill", () => {
  test("the line so far: the static prefix, the excerpts and the complete words, nothing added", async () => {
    const conversation = fresh();
    const speculation = new SpeculativePrefill();
    const typed = "How do I check the antenna cab";
    speculation.prefill({ app, owner: "a", conversation }, typed);
    await speculation.finished();
    const settled = await speculation.settle();
    // The conversation started (its static prefix) but holds no turn: the rest is speculative.
    expect(conversation.staticTokens).toBeGreaterThan(0);
    expect(conversation.tokens.length).toBe(conversation.staticTokens);
    const words = messageTokens(conversation, "How do I check the antenna");
    const expected = words.slice(0, commonPrefixLength(words, messageTokens(conversation, typed)));
    expect(tail(conversation)).toEqual(expected);
    expect(settled.heldTokens).toBe(expected.length);
    // The excerpt about the antenna is part of it.
    expect(bridge.model.detokenize(expected)).toContain("antenna mast");
  }, 60_000);

  test("the turn that follows evaluates only what the prefill could not know", async () => {
    const prefilled = fresh();
    const speculation = new SpeculativePrefill();
    speculation.prefill({ app, owner: "a", conversation: prefilled }, QUESTION.slice(0, -6));
    await speculation.finished();
    const { heldTokens } = await speculation.settle();
    const withPrefill = await turn(prefilled, QUESTION);

    const cold = fresh();
    // The same start (the static prefix evaluated before the turn), without the prefill.
    speculation.prefill({ app, owner: "a", conversation: cold }, "x");
    await speculation.finished();
    await speculation.drop("a");
    const without = await turn(cold, QUESTION);

    const message = messageTokens(fresh(), QUESTION).length;
    expect(heldTokens).toBeGreaterThan(SPECULATIVE_SLICE_TOKENS);
    expect(heldTokens).toBeLessThan(message);
    expect(without.timings.evaluatedBeforeAnswer - withPrefill.timings.evaluatedBeforeAnswer).toBe(
      heldTokens,
    );
  }, 60_000);

  test("an excerpt a later word adds goes after the ones prefilled, which stay", async () => {
    const typed = "When is the fuel filter changed, and how tall is the ";
    const asked = `${typed}antenna mast?`;
    // Read in file order, the antenna's excerpt would come before the fuel's, in front of what was prefilled.
    const cold = bridge.model.detokenize(messageTokens(fresh(), asked));
    expect(cold.indexOf("antenna mast is")).toBeLessThan(cold.indexOf("fuel filter of"));

    const conversation = fresh();
    const speculation = new SpeculativePrefill();
    speculation.prefill({ app, owner: "a", conversation }, typed);
    await speculation.finished();
    const held = tail(conversation);
    expect(bridge.model.detokenize(held)).toContain("fuel filter of");
    expect(bridge.model.detokenize(held)).not.toContain("antenna mast is");
    const message = messageTokens(conversation, asked);
    // The turn keeps the fuel excerpt's tokens; what follows (the question) comes after the new one.
    const kept = commonPrefixLength(message, held);
    expect(bridge.model.detokenize(held.slice(0, kept))).toContain("changed monthly.");
    expect(bridge.model.detokenize(message.slice(kept))).toStartWith("[docs/antenna.md:3");
    await speculation.drop("a");
  }, 60_000);

  test("lines that come faster than a slice takes do not stop the work: each slice goes to the newest", async () => {
    const conversation = fresh();
    const speculation = new SpeculativePrefill();
    const target = { app, owner: "a", conversation };
    const words = QUESTION.split(" ");
    const lines = words.map((_, i) => `${words.slice(0, i + 1).join(" ")} `);
    let next = 1;
    let whileTyping = 0;
    // A key arrives while every slice is being evaluated, as at 6 keys a second on a slow model.
    const prefill = conversation.prefill.bind(conversation);
    conversation.prefill = async (extra, signal, ids) => {
      const typing = next < lines.length;
      if (typing) speculation.prefill(target, lines[next++]!);
      const count = await prefill(extra, signal, ids);
      if (typing) whileTyping += count.evaluatedTokens;
      return count;
    };
    speculation.prefill(target, lines[0]!);
    await speculation.finished();
    expect(next).toBe(lines.length);
    expect(whileTyping).toBeGreaterThan(SPECULATIVE_SLICE_TOKENS);
    // And it caught up with the last line.
    expect(tail(conversation)).toEqual(
      messageTokens(conversation, QUESTION.trim()).slice(0, tail(conversation).length),
    );
    expect(bridge.model.detokenize(tail(conversation))).toContain("relay handover?");
    await speculation.drop("a");
  }, 60_000);

  test("in a full context the prefill makes room as the turn would, older turns first, and still prepares the line", async () => {
    const small = await openTinyBridge(1536);
    try {
      const conversation = new Conversation({ bridge: small });
      const commandNames = app.commands.plannerAllowed().map((c) => c.name);
      const needed = () =>
        messageTokens(conversation, QUESTION).length +
        roomAfterMessage(conversation, commandNames, app.settings.config.llm);
      // Turns until the question's message no longer fits beside the room its turn needs.
      for (let n = 0; conversation.tokens.length === 0 || conversation.free >= needed(); n++) {
        expect(n).toBeLessThan(40);
        await turn(conversation, `question ${n}: ${"how is the node doing today? ".repeat(4)}`);
      }
      const turns = conversation.turnsStarted;
      const speculation = new SpeculativePrefill();
      speculation.prefill({ app, owner: "a", conversation }, QUESTION);
      await speculation.finished();
      const held = small.contextTokens.slice(conversation.tokens.length);
      // The whole line is prepared, older turns made way, and no turn was begun.
      expect(bridge.model.detokenize(held)).toContain("relay handover?");
      expect(conversation.counters.dropped).toBeGreaterThan(0);
      expect(conversation.turnsStarted).toBe(turns);
      const asked = await turn(conversation, QUESTION);
      expect(asked.timings.evaluatedBeforePlan).toBeLessThan(held.length / 2);
    } finally {
      await small.dispose();
    }
  }, 120_000);

  test("complete words: up to the last space, or all of a line that ends in punctuation", () => {
    expect(completeWords("How do I ch")).toBe("How do I");
    expect(completeWords("How do I check ")).toBe("How do I check");
    expect(completeWords("before the relay handover?")).toBe("before the relay handover?");
    expect(completeWords("antenna")).toBe("");
  });

  test("a changed line keeps what the two share; a drop erases the rest", async () => {
    const conversation = fresh();
    const speculation = new SpeculativePrefill();
    speculation.prefill({ app, owner: "a", conversation }, "When is the fuel filter of the generator");
    await speculation.finished();
    const first = tail(conversation);
    speculation.prefill({ app, owner: "a", conversation }, "When is the fuel pump checked on");
    await speculation.finished();
    const second = tail(conversation);
    expect(second).toEqual(
      messageTokens(conversation, "When is the fuel pump checked").slice(0, second.length),
    );
    expect(commonPrefixLength(first, second)).toBeGreaterThan(0);
    // Another owner's drop leaves it alone; its own drop erases it.
    await speculation.drop("b");
    expect(tail(conversation).length).toBe(second.length);
    await speculation.drop("a");
    expect(bridge.contextTokens).toEqual([...conversation.tokens]);
  }, 60_000);
});
