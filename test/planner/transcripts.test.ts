import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recentTurns, TRANSCRIPT_MAX_BYTES } from "../../src/planner/transcripts.ts";
import { runLine, tempApp } from "../helpers/app.ts";

const vault = mkdtempSync(join(tmpdir(), "ember-transcripts-"));
afterAll(() => rmSync(vault, { recursive: true, force: true }));

const turn = (session: string, question: string) =>
  `${JSON.stringify({ time: "2026-11-26T01:00:00.000Z", session, question, answer: `answer to ${question}`, commands: [{ name: "status", args: [], ok: true, ms: 3 }], timings: {} })}\n`;

describe("recent transcript turns", () => {
  test("newest last, across sessions, skipping a damaged line", () => {
    const dir = join(vault, "logs", "transcripts");
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, "2026-11-25T10-00-00-000Z-1.jsonl"), turn("a", "q1") + turn("a", "q2"));
    appendFileSync(join(dir, "2026-11-26T10-00-00-000Z-2.jsonl"), `${turn("b", "q3")}{"cut short`);
    expect(recentTurns(vault, 2).turns.map((t) => t.question)).toEqual(["q2", "q3"]);
    expect(recentTurns(vault, 10).turns.map((t) => t.question)).toEqual(["q1", "q2", "q3"]);
  });

  test("a transcript over the cap gives its newest turns; a FIFO is skipped; each is named once", () => {
    const other = mkdtempSync(join(tmpdir(), "ember-transcripts-"));
    try {
      const dir = join(other, "logs", "transcripts");
      mkdirSync(dir, { recursive: true });
      const old = turn("a", "old").repeat(Math.ceil(TRANSCRIPT_MAX_BYTES / turn("a", "old").length) + 10);
      writeFileSync(join(dir, "2026-11-25T10-00-00-000Z-1.jsonl"), old + turn("a", "newest"));
      Bun.spawnSync(["mkfifo", join(dir, "2026-11-26T10-00-00-000Z-2.jsonl")]);
      const recent = recentTurns(other, 1);
      expect(recent.turns.map((t) => t.question)).toEqual(["newest"]);
      expect(recent.problems).toEqual([
        "logs/transcripts/2026-11-26T10-00-00-000Z-2.jsonl: not a regular file; skipped",
        "logs/transcripts/2026-11-25T10-00-00-000Z-1.jsonl: over the 4.0 MiB limit; only its newest turns were read",
      ]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("/history answers shows them", async () => {
    const { app, cleanup } = await tempApp({ VAULT_DIR: vault });
    const { output } = await runLine(app, "/history answers 1");
    expect(output).toContain("q3");
    expect(output).toContain("ran /status");
    expect(output).toContain("answer to q3");
    cleanup();
  });
});
