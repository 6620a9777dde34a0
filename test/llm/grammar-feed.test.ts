import { afterAll, beforeAll, expect, test } from "bun:test";
import { LlamaGrammarEvaluationState } from "node-llama-cpp";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { feedGrammar } from "../../src/llm/grammar-feed.ts";
import { openTinyBridge } from "../helpers/models.ts";

// feedGrammar reaches node-llama-cpp internals: these tests are what says they are still there.
let bridge: LlamaBridge;
beforeAll(async () => {
  bridge = await openTinyBridge(512);
});
afterAll(() => bridge.dispose());

const tokens = (text: string) => bridge.model.tokenize(text, false, "trimLeadingSpace");

async function stateFor(grammar: string): Promise<LlamaGrammarEvaluationState> {
  return new LlamaGrammarEvaluationState({
    model: bridge.model,
    grammar: await bridge.model.llama.createGrammar({ grammar }),
  });
}

test("a generation adds what the grammar forces as tokens, and samples only the choice", async () => {
  const grammar = await bridge.model.llama.createGrammar({
    grammar: 'root ::= "{\\"name\\":\\"" [xyz] "\\"}"',
  });
  const opening = '{"name":"';
  for (const seed of [1, 2, 3]) {
    const generation = await bridge.generate(bridge.renderChat([{ type: "user", text: `go ${seed}` }]), {
      maxTokens: 16,
      temperature: 1,
      topP: 1,
      seed,
      grammar,
      // Once the text starts the opening, the rest of it; after the letter, the closing.
      forced: (text) =>
        opening.startsWith(text) ? opening.slice(text.length) : /[xyz]$/.test(text) ? '"}' : "",
      isComplete: (text) => text.endsWith("}"),
    });
    expect(generation.text).toMatch(/^\{"name":"[xyz]"\}$/);
    // The first token of the opening and the letter: two decode steps, the rest forced.
    expect(generation.generatedTokens).toBe(2);
    expect(generation.forcedTokens).toBe(generation.tokens.length - 2);
  }
});

test("a token the grammar refuses leaves the state as it was", async () => {
  const state = await stateFor('root ::= "ab" [0-9]');
  expect(feedGrammar(state, tokens("ax"))).toBe(false);
  expect(feedGrammar(state, tokens("b"))).toBe(false);
  expect(feedGrammar(state, tokens("ab"))).toBe(true);
  expect(feedGrammar(state, tokens("b"))).toBe(false);
  expect(feedGrammar(state, tokens("7"))).toBe(true);
});
