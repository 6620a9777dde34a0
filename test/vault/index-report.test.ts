import { describe, expect, test } from "bun:test";
import type { UpdateResult } from "../../src/vault/index.ts";
import { renderIndexProgress, renderIndexSummary } from "../../src/vault/index-report.ts";

const RESULT: UpdateResult = {
  scanned: 5,
  added: 2,
  updated: 1,
  removed: 1,
  unchanged: 1,
  chunks: 40,
  ms: 1234,
  skipped: [{ path: "docs/scan.pdf", reason: "no text layer: scanned?" }],
  warnings: [],
};

describe("renderIndexProgress", () => {
  test("files done of the total, the rate, and the file being read", () => {
    const line = renderIndexProgress(
      { phase: "read", done: 12, total: 40, path: "docs/manuals/radio.pdf" },
      4000,
      100,
    );
    expect(line).toBe("indexing 12/40 files · 3.0 files/s · docs/manuals/radio.pdf");
    expect(renderIndexProgress({ phase: "write", done: 0, total: 7 }, 4000, 100)).toBe(
      "indexing 7 changes · writing the index",
    );
  });

  test("a long line keeps its end (the file name) within the width; a hostile name is shown, not obeyed", () => {
    const line = renderIndexProgress(
      { phase: "read", done: 1, total: 2, path: `docs/${"deep/".repeat(20)}\x1b]0;pwned\x07manual.pdf` },
      1000,
      40,
    );
    expect(Bun.stringWidth(line)).toBeLessThanOrEqual(40);
    expect(line.startsWith("…")).toBe(true);
    expect(line.endsWith("␛]0;pwned␇manual.pdf")).toBe(true);
  });
});

describe("renderIndexSummary", () => {
  test("added, updated, removed, unchanged and skipped, then each skipped file with its reason", () => {
    expect(
      renderIndexSummary("/vault", {
        ...RESULT,
        skipped: [
          ...RESULT.skipped,
          { path: "docs/\x1b[2Jx.epub", reason: "corrupt or truncated EPUB (not a readable zip)" },
        ],
      }),
    ).toEqual([
      "indexed /vault: 5 files (2 added, 1 updated, 1 removed, 1 unchanged, 2 skipped), 40 chunks, 1234 ms",
      "skipped docs/scan.pdf: no text layer: scanned?",
      "skipped docs/␛[2Jx.epub: corrupt or truncated EPUB (not a readable zip)",
    ]);
  });

  test("a long list of skipped files shows the first 20, then a count of the rest", () => {
    const skipped = Array.from({ length: 25 }, (_, i) => ({
      path: `docs/${i}.pdf`,
      reason: "no text layer: scanned?",
    }));
    const lines = renderIndexSummary("/vault", { ...RESULT, scanned: 25, skipped });
    expect(lines[0]).toContain("25 skipped");
    expect(lines.slice(1)).toHaveLength(21);
    expect(lines[20]).toBe("skipped docs/19.pdf: no text layer: scanned?");
    expect(lines[21]).toBe("… and 5 more problems");
  });
});
