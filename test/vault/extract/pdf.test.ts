import { describe, expect, test } from "bun:test";
import { makePdf } from "../../../scripts/lib/pdf-writer.ts";
import { chunkParts } from "../../../src/vault/chunk.ts";
import { DocumentProblem } from "../../../src/vault/extract/document.ts";
import { extractPdf } from "../../../src/vault/extract/pdf.ts";

const LIMITS = { maxChars: 1_000_000 };

async function problemOf(bytes: Uint8Array, limits = LIMITS): Promise<string> {
  const error = await extractPdf(bytes, limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentProblem);
  return (error as Error).message;
}

describe("extractPdf", () => {
  test("gives one part per page, in order, with the page's lines", async () => {
    const pdf = makePdf([
      { lines: [{ text: "First page body." }] },
      { lines: [{ text: "Second page, first line." }, { text: "Second line (with parens)." }] },
      { lines: [{ text: "Third page." }] },
    ]);
    const parts = await extractPdf(pdf, LIMITS);
    expect(parts.map((p) => p.page)).toEqual([1, 2, 3]);
    expect(parts[1]!.lines.map((l) => [l.no, l.text])).toEqual([
      [1, "Second page, first line."],
      [2, "Second line (with parens)."],
    ]);
  });

  test("without an outline, lines set larger than the body are headings, larger sizes ranking higher", async () => {
    const pdf = makePdf([
      {
        lines: [
          { text: "Radio manual", size: 24 },
          { text: "Power", size: 16 },
          { text: "The radio draws two amperes on transmit." },
          { text: "Keep the battery above eleven volts." },
        ],
      },
      { lines: [{ text: "Antenna tuning", size: 16 }, { text: "Tune for the lowest standing wave ratio." }] },
    ]);
    const parts = await extractPdf(pdf, LIMITS);
    const headings = parts.flatMap((p) => p.lines.filter((l) => l.heading).map((l) => [l.text, l.heading]));
    expect(headings).toEqual([
      ["Radio manual", 1],
      ["Power", 2],
      ["Antenna tuning", 2],
    ]);
    const chunks = chunkParts("docs/radio.pdf", parts);
    expect(chunks.map((c) => [c.page, c.heading])).toEqual([
      [1, "Radio manual > Power"],
      [2, "Radio manual > Antenna tuning"],
    ]);
  });

  test("with an outline, its entries head the pages they point to, at their depth", async () => {
    const pdf = makePdf(
      [
        { lines: [{ text: "Welcome text." }] },
        { lines: [{ text: "Checks", size: 11 }, { text: "Check the fuses." }] },
        { lines: [{ text: "Big print that is not in the outline", size: 30 }, { text: "Tuning text." }] },
      ],
      {
        outline: [
          { title: "Introduction", page: 1 },
          { title: "Checks", page: 2 },
        ],
      },
    );
    const parts = await extractPdf(pdf, LIMITS);
    const chunks = chunkParts("docs/radio.pdf", parts);
    expect(chunks.map((c) => [c.page, c.heading, c.text])).toEqual([
      [1, "Introduction", "Welcome text."],
      [2, "Checks", "Check the fuses."],
      // The outline is the document's own table of contents: large print outside it is body text.
      [3, "Checks", "Big print that is not in the outline\nTuning text."],
    ]);
  });

  test("a scan (pages that are only images) is a problem, not an empty document", async () => {
    expect(await problemOf(makePdf([{ image: true }, { image: true }]))).toBe("no text layer: scanned?");
  });

  test("encrypted, truncated and non-PDF bytes are one-line problems", async () => {
    const pages = [{ lines: [{ text: "Secret frequencies." }] }];
    expect(await problemOf(makePdf(pages, { encrypted: true }))).toBe("encrypted: needs a password");
    const whole = makePdf(pages);
    expect(await problemOf(whole.slice(0, Math.floor(whole.length / 2)))).toBe("corrupt or truncated PDF");
    expect(await problemOf(new TextEncoder().encode("just some text, not a PDF"))).toBe(
      "corrupt or truncated PDF",
    );
  });

  test("stops with a problem when the text passes the character cap", async () => {
    const pdf = makePdf([{ lines: [{ text: "x".repeat(80) }] }, { lines: [{ text: "y".repeat(80) }] }]);
    expect(await problemOf(pdf, { maxChars: 100 })).toBe("more than 100 characters of text");
  });
});
