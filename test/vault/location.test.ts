import { describe, expect, test } from "bun:test";
import { formatSource } from "../../src/vault/location.ts";

describe("formatSource", () => {
  test("file and first line, then the innermost heading of the trail", () => {
    expect(
      formatSource({ file: "docs/radio/antenna.md", lines: [12, 14], heading: "Radio > Antenna setup" }),
    ).toBe("docs/radio/antenna.md:12 · Antenna setup");
  });

  test("no heading: the file and line alone", () => {
    expect(formatSource({ file: "docs/notes.txt", lines: [3, 3], heading: "" })).toBe("docs/notes.txt:3");
  });

  test("a PDF page or an EPUB chapter instead of a line", () => {
    expect(
      formatSource({ file: "manuals/radio.pdf", lines: [3, 5], heading: "Antenna tuning", page: 14 }),
    ).toBe("manuals/radio.pdf p. 14 · Antenna tuning");
    expect(formatSource({ file: "books/field.epub", lines: [1, 2], heading: "", chapter: 3 })).toBe(
      "books/field.epub ch. 3",
    );
  });
});
