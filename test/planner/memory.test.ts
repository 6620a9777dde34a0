import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConversationMemory } from "../../src/planner/memory.ts";
import { estimateTokens } from "../../src/vault/tokens.ts";

const vaultDir = mkdtempSync(join(tmpdir(), "ember-memory-"));
afterAll(() => rmSync(vaultDir, { recursive: true, force: true }));

const turn = (question: string, answer: string) => ({
  question,
  answer,
  commands: [],
  timings: { planMs: 1 },
});

describe("ConversationMemory", () => {
  test("history keeps the newest turns that fit the budget, oldest first", () => {
    const memory = new ConversationMemory({ vaultDir, session: "s1" });
    expect(memory.renderHistory(100, estimateTokens)).toBe("");
    memory.record(turn("first?", "one"));
    memory.record(turn("second?", "two"));
    memory.record(turn("third?", "three"));
    expect(memory.renderHistory(1000, estimateTokens)).toBe(
      "Operator: first?\nEmber: one\n\nOperator: second?\nEmber: two\n\nOperator: third?\nEmber: three",
    );
    const tight = memory.renderHistory(16, estimateTokens);
    expect(tight).toContain("third?");
    expect(tight).not.toContain("first?");
    expect(estimateTokens(tight)).toBeLessThanOrEqual(16);
  });

  test("every turn is one JSON line in logs/transcripts/<session>.jsonl", () => {
    const memory = new ConversationMemory({ vaultDir, session: "s2" });
    memory.record(turn("q1", "a1"));
    memory.record({ ...turn("q2", "a2"), stopped: "interrupted" });
    expect(memory.transcriptPath).toBe(join(vaultDir, "logs", "transcripts", "s2.jsonl"));
    const lines = readFileSync(memory.transcriptPath, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.session, l.question, l.answer, l.stopped])).toEqual([
      ["s2", "q1", "a1", undefined],
      ["s2", "q2", "a2", "interrupted"],
    ]);
  });
});
