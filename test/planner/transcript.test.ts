import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transcript } from "../../src/planner/transcript.ts";

const vaultDir = mkdtempSync(join(tmpdir(), "ember-transcript-"));
afterAll(() => rmSync(vaultDir, { recursive: true, force: true }));

const turn = (question: string, answer: string) => ({
  question,
  answer,
  commands: [],
  grounding: [{ file: "docs/a.md", lines: [3, 9] as [number, number], heading: "A", tokens: 40, score: 2.5 }],
  timings: { planMs: 1, firstAnswerMs: null },
});

describe("Transcript", () => {
  test("every turn is one JSON line in logs/transcripts/<session>.jsonl", () => {
    const transcript = new Transcript({ vaultDir, session: "s2" });
    transcript.record(turn("q1", "a1"));
    transcript.record({ ...turn("q2", "a2"), stopped: "interrupted" });
    expect(transcript.path).toBe(join(vaultDir, "logs", "transcripts", "s2.jsonl"));
    const lines = readFileSync(transcript.path, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.session, l.question, l.answer, l.stopped])).toEqual([
      ["s2", "q1", "a1", undefined],
      ["s2", "q2", "a2", "interrupted"],
    ]);
    expect(lines[0].grounding).toEqual([
      { file: "docs/a.md", lines: [3, 9], heading: "A", tokens: 40, score: 2.5 },
    ]);
  });

  test("two transcripts never share a file; an unwritable one says why and the turn goes on", () => {
    const a = new Transcript({ vaultDir });
    const b = new Transcript({ vaultDir, session: `${a.session}-b` });
    expect(a.path).not.toBe(b.path);
    const blocked = new Transcript({ vaultDir: "/proc/ember-no-such-vault" });
    blocked.record(turn("q", "a"));
    expect(blocked.problem).toContain("cannot write");
  });
});
