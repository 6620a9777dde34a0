import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { App } from "../../src/app.ts";
import { captureOutput, plain, tempApp } from "../helpers/app.ts";

let app: App;
let cleanup: () => void;
beforeAll(async () => {
  ({ app, cleanup } = await tempApp());
});
afterAll(() => cleanup());

/** Runs a line as on a terminal `columns` wide (or not a terminal). */
async function onTerminal(line: string, columns?: number): Promise<string[]> {
  const capture = captureOutput();
  const out = columns === undefined ? capture : { line: capture.line, write: capture.write, columns };
  const result = await app.commands.run(line, { host: app, source: "operator", out, style: plain });
  expect(result.ok).toBe(true);
  return capture.text().trimEnd().split("\n");
}

describe("/help", () => {
  test("wraps at word boundaries at any width: no line too long, no word cut", async () => {
    const summaries = app.commands.list().flatMap((c) => c.summary.split(" "));
    for (const width of [24, 40, 60, 80, 120]) {
      const lines = await onTerminal("/help", width);
      for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(width);
      const words = new Set(lines.join(" ").split(/\s+/));
      // A word longer than the room under a name (width - 6) has to be cut; no other word is.
      for (const word of summaries.filter((w) => w.length <= width - 6)) expect(words).toContain(word);
    }
  });

  test("in a pipe each command stays on one line", async () => {
    const lines = await onTerminal("/help");
    expect(lines.filter((l) => l.startsWith("  /"))).toHaveLength(app.commands.list().length);
  });
});

describe("/man", () => {
  test("renders Markdown for the terminal: a table is drawn, not printed raw", async () => {
    const lines = await onTerminal("/man model", 100);
    expect(lines.join("\n")).not.toContain("| --- |");
    expect(lines).toContainEqual(
      expect.stringMatching(/^\| llm\.maxTokens +\| LLAMA_CPP_MAX_TOKENS +\| 128 /),
    );
    const border = lines.find((l) => /^\+-+\+-+\+-+\+$/.test(l));
    expect(border).toBeDefined();
    // Every row of the table is as wide as its border.
    for (const row of lines.filter((l) => l.startsWith("| llm.")))
      expect(row.length).toBe(border?.length ?? 0);
  });

  test("wraps paragraphs to the terminal", async () => {
    for (const line of await onTerminal("/man model", 50)) {
      if (!line.startsWith("|") && !line.startsWith("+"))
        expect(Bun.stringWidth(line)).toBeLessThanOrEqual(50);
    }
  });
});
