import { describe, expect, test } from "bun:test";
import { chunkDocument } from "../../src/vault/chunk.ts";

const lines = (...ls: string[]) => ls.join("\n");

describe("chunkDocument on Markdown", () => {
  test("each section is a chunk carrying its nested heading trail and line range", () => {
    const doc = lines(
      "Intro before any heading.", // 1
      "", // 2
      "# Radio", // 3
      "Radio basics.", // 4
      "", // 5
      "## Antenna setup", // 6
      "Raise the mast.", // 7
      "", // 8
      "### Guy lines", // 9
      "Stake three guy lines.", // 10
      "## Batteries", // 11
      "Charge daily.", // 12
      "# Water", // 13
      "Boil it.", // 14
    );
    const chunks = chunkDocument("docs/field.md", doc);
    expect(chunks.map((c) => [c.heading, c.text, c.lineStart, c.lineEnd])).toEqual([
      ["", "Intro before any heading.", 1, 1],
      ["Radio", "Radio basics.", 4, 4],
      ["Radio > Antenna setup", "Raise the mast.", 7, 7],
      ["Radio > Antenna setup > Guy lines", "Stake three guy lines.", 10, 10],
      ["Radio > Batteries", "Charge daily.", 12, 12],
      ["Water", "Boil it.", 14, 14],
    ]);
    expect(chunks.every((c) => c.path === "docs/field.md")).toBe(true);
  });

  test("'#' lines inside code fences do not start sections", () => {
    const doc = lines(
      "# Setup",
      "Run this:",
      "```sh",
      "# this is a shell comment",
      "",
      "## neither is this",
      "echo ok",
      "```",
      "~~~~",
      "# tilde fence too",
      "```",
      "# still inside: a shorter/different fence does not close it",
      "~~~~",
      "After the fences.",
      "## Next",
      "Done.",
    );
    const chunks = chunkDocument("docs/setup.md", doc);
    expect(chunks.map((c) => c.heading)).toEqual(["Setup", "Setup > Next"]);
    expect(chunks[0]!.text).toContain("# this is a shell comment");
    expect(chunks[0]!.text).toContain("# still inside");
    expect(chunks[0]!.text.endsWith("After the fences.")).toBe(true);
  });

  test("front matter is not indexed and line numbers still match the file", () => {
    const doc = lines("---", "title: Radio", "tags: [comms]", "---", "# Radio", "Check the squelch.");
    const chunks = chunkDocument("docs/radio.md", doc);
    expect(chunks).toEqual([
      { path: "docs/radio.md", heading: "Radio", text: "Check the squelch.", lineStart: 6, lineEnd: 6 },
    ]);
  });

  test("an unterminated '---' at the top is ordinary text, not front matter", () => {
    const chunks = chunkDocument("docs/a.md", lines("---", "just a rule above text"));
    expect(chunks.map((c) => c.text)).toEqual(["---\njust a rule above text"]);
  });

  test("setext headings and closing hashes are understood", () => {
    const doc = lines(
      "Power",
      "=====",
      "",
      "Solar",
      "-----",
      "Panels face south.",
      "",
      "# Fuel #",
      "Diesel.",
    );
    const chunks = chunkDocument("docs/p.md", doc);
    expect(chunks.map((c) => [c.heading, c.text])).toEqual([
      ["Power > Solar", "Panels face south."],
      ["Fuel", "Diesel."],
    ]);
  });

  test("'---' under a multi-line paragraph is a rule, not a heading", () => {
    const doc = lines("# Notes", "first line", "second line", "---", "after");
    const chunks = chunkDocument("docs/n.md", doc);
    expect(chunks.map((c) => c.heading)).toEqual(["Notes"]);
  });

  test("long sections are split at paragraph boundaries within maxChars", () => {
    const para = (n: number) => `Paragraph ${n} ${"word ".repeat(20).trim()}.`;
    const body = Array.from({ length: 12 }, (_, i) => para(i)).join("\n\n");
    const chunks = chunkDocument("docs/long.md", `# Long\n${body}`, { maxChars: 300 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.heading).toBe("Long");
      expect(c.text.length).toBeLessThanOrEqual(300);
      // Cuts fall between paragraphs: every chunk starts and ends on a whole paragraph.
      expect(c.text.startsWith("Paragraph ")).toBe(true);
      expect(c.text.endsWith("word.")).toBe(true);
    }
    // Nothing lost, nothing duplicated, in order.
    const rejoined = chunks.flatMap((c) => c.text.split("\n\n"));
    expect(rejoined).toEqual(Array.from({ length: 12 }, (_, i) => para(i)));
    // Chunk lines map one to one onto file lines.
    const fileLines = `# Long\n${body}`.split("\n");
    for (const c of chunks) expect(fileLines.slice(c.lineStart - 1, c.lineEnd).join("\n")).toBe(c.text);
  });

  test("a single paragraph longer than maxChars is cut at words, losing nothing", () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
    const chunks = chunkDocument("docs/one.md", words.join(" "), { maxChars: 100 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(100);
    expect(chunks.flatMap((c) => c.text.split(/\s+/))).toEqual(words);
  });

  test("CRLF line endings and a BOM are handled", () => {
    const chunks = chunkDocument("docs/w.md", "\uFEFF# Win\r\nLine one\r\nLine two\r\n");
    expect(chunks).toEqual([
      { path: "docs/w.md", heading: "Win", text: "Line one\nLine two", lineStart: 2, lineEnd: 3 },
    ]);
  });

  test("headings with no body produce no empty chunks", () => {
    const chunks = chunkDocument("docs/e.md", lines("# A", "", "## B", "", "", "## C", "text"));
    expect(chunks.map((c) => [c.heading, c.text])).toEqual([["A > C", "text"]]);
  });

  test("rejects a nonsensical maxChars", () => {
    expect(() => chunkDocument("docs/x.md", "x", { maxChars: 0 })).toThrow(RangeError);
  });
});

describe("chunkDocument on plain text", () => {
  test("text files chunk by paragraphs and never read '#' as a heading", () => {
    const para = (n: number) => `# not a heading ${n} ${"filler ".repeat(10).trim()}`;
    const text = [para(1), para(2), para(3)].join("\n\n");
    const chunks = chunkDocument("docs/notes.txt", text, { maxChars: 120 });
    expect(chunks.map((c) => [c.heading, c.text, c.lineStart])).toEqual([
      ["", para(1), 1],
      ["", para(2), 3],
      ["", para(3), 5],
    ]);
  });

  test("small paragraphs are packed together up to maxChars", () => {
    const chunks = chunkDocument("docs/n.txt", "alpha\n\nbravo\n\n\ncharlie");
    expect(chunks).toEqual([
      { path: "docs/n.txt", heading: "", text: "alpha\n\nbravo\n\n\ncharlie", lineStart: 1, lineEnd: 6 },
    ]);
  });
});
