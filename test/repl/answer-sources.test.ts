import { describe, expect, test } from "bun:test";
import { renderAnswerSources } from "../../src/repl/answer-sources.ts";
import { createStyle } from "../../src/terminal/style.ts";

const plain = createStyle(false);
const source = (file: string, line: number, heading: string, score: number) => ({
  file,
  lines: [line, line + 2] as const,
  heading,
  score,
});

describe("renderAnswerSources", () => {
  test("best first, each place once, aligned under one label", () => {
    const lines = renderAnswerSources(
      [
        source("docs/power.md", 3, "", 1.5),
        source("docs/radio/antenna.md", 12, "Radio > Antenna setup", 4.2),
        source("docs/power.md", 3, "", 1.5),
      ],
      plain,
    );
    expect(lines).toEqual(["sources: docs/radio/antenna.md:12 · Antenna setup", "         docs/power.md:3"]);
  });

  test("dimmed on a terminal; vault file names and headings cannot drive it", () => {
    const [line] = renderAnswerSources(
      [source("docs/evil\x1b]0;owned\x07.md", 1, "Title\x1b[2J", 1)],
      createStyle(true),
    );
    expect(line).toBe("\x1b[2msources: docs/evil␛]0;owned␇.md:1 · Title␛[2J\x1b[22m");
  });

  test("nothing for an answer without vault sources", () => {
    expect(renderAnswerSources([], plain)).toEqual([]);
  });
});
