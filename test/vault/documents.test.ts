/**
 * The index over a vault of PDFs, saved web pages and EPUBs, through the real parsers in their
 * worker: sources point at the page or chapter, problems are listed and remembered, and an
 * unchanged file is never parsed again.
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makeEpub } from "../../scripts/lib/epub-writer.ts";
import { makePdf, type PdfPage } from "../../scripts/lib/pdf-writer.ts";
import { formatBytes } from "../../src/terminal/bytes.ts";
import { INDEX_FILE, openVaultIndex, updateIndex } from "../../src/vault/index.ts";

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeVault(files: Record<string, string | Uint8Array>): string {
  const vault = mkdtempSync(join(tmpdir(), "ember-docs-"));
  cleanup.push(vault);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(vault, path)), { recursive: true });
    writeFileSync(join(vault, path), content);
  }
  return vault;
}

/** A ten-page radio manual; the tuning fact is on page 3 only, the rest is about other things. */
function radioManual(): Uint8Array {
  const pages: PdfPage[] = Array.from({ length: 10 }, (_, i) => ({
    lines: [
      { text: `Chapter ${i + 1}: general care`, size: 16 },
      { text: `Keep the radio dry and clean the contacts of connector ${i + 1}.` },
      { text: "Store the handset in its pouch between shifts." },
    ],
  }));
  pages[2] = {
    lines: [
      { text: "Antenna tuning", size: 16 },
      { text: "Before keying the transmitter, set the antenna tuner to 7.1 MHz" },
      { text: "and watch the standing wave ratio fall below 1.5." },
    ],
  };
  return makePdf(pages);
}

function search(vault: string, query: string) {
  const index = openVaultIndex(vault);
  try {
    return index.search(query);
  } finally {
    index.close();
  }
}

describe("indexing PDF, HTML and EPUB", () => {
  test("a question about a fact on page 3 of a PDF returns page 3, with its heading", async () => {
    const vault = makeVault({ "docs/manuals/radio.pdf": radioManual() });
    const result = await updateIndex(vault);
    expect(result.added).toBe(1);
    expect(result.skipped).toEqual([]);
    const [best] = search(vault, "what frequency should the antenna tuner be set to?");
    expect(best).toMatchObject({ path: "docs/manuals/radio.pdf", page: 3, heading: "Antenna tuning" });
    expect(best!.text).toContain("7.1 MHz");
    // Line 1 of the page is the heading; the text is on lines 2 and 3.
    expect([best!.lineStart, best!.lineEnd]).toEqual([2, 3]);
  });

  test("an EPUB's hit names its chapter; a saved page's its heading; Markdown has neither", async () => {
    const vault = makeVault({
      "docs/field-book.epub": makeEpub("Field book", [
        { title: "Shelter", body: "<h1>Shelter</h1><p>Pitch the tarp low against the wind.</p>" },
        { title: "Fire", body: "<h1>Fire</h1><p>Keep a firebreak of two metres around the hearth.</p>" },
      ]),
      "docs/water.html":
        "<html><head><title>Water</title><script>var firebreak = 1;</script></head><body>" +
        "<nav>Home</nav><h1>Water purifier</h1><p>Chlorine tablets need thirty minutes.</p></body></html>",
      "docs/notes.md": "# Notes\n\nThe generator needs oil every fifty hours.\n",
    });
    await updateIndex(vault);
    expect(search(vault, "firebreak hearth")).toEqual([
      expect.objectContaining({ path: "docs/field-book.epub", chapter: 2, heading: "Fire" }),
    ]);
    const [water] = search(vault, "chlorine tablets");
    expect(water).toMatchObject({ path: "docs/water.html", heading: "Water purifier" });
    expect(water!.page).toBeUndefined();
    const [notes] = search(vault, "generator oil");
    expect(notes).toMatchObject({ path: "docs/notes.md", lineStart: 3, lineEnd: 3 });
    expect(notes!.page).toBeUndefined();
    expect(notes!.chapter).toBeUndefined();
    // The script's words are not document text.
    expect(search(vault, "firebreak").map((h) => h.path)).toEqual(["docs/field-book.epub"]);
  });

  test("a scan is listed as a problem, remembered, and not parsed again while unchanged", async () => {
    const vault = makeVault({
      "docs/scan.pdf": makePdf([{ image: true }]),
      "docs/manual.pdf": radioManual(),
    });
    const first = await updateIndex(vault);
    expect(first.skipped).toEqual([{ path: "docs/scan.pdf", reason: "no text layer: scanned?" }]);
    expect(first.added).toBe(1);

    // Touched (new mtime, same bytes): hashed, not parsed. A parse under these limits would fail,
    // so the manual staying indexed shows it was not parsed.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(vault, "docs/manual.pdf"), later, later);
    utimesSync(join(vault, "docs/scan.pdf"), later, later);
    const second = await updateIndex(vault, { limits: { maxChars: 1 } });
    expect(second).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 1 });
    expect(second.skipped).toEqual([{ path: "docs/scan.pdf", reason: "no text layer: scanned?" }]);
    expect(search(vault, "antenna tuner")[0]).toMatchObject({ path: "docs/manual.pdf", page: 3 });

    // Changed bytes are parsed again: with a text layer now, the file is added.
    writeFileSync(join(vault, "docs/scan.pdf"), makePdf([{ lines: [{ text: "Scanned again with OCR." }] }]));
    const third = await updateIndex(vault);
    expect(third).toMatchObject({ added: 1, skipped: [] });
    expect(search(vault, "OCR")[0]).toMatchObject({ path: "docs/scan.pdf", page: 1 });
  });

  test("oversized files are skipped by format: text formats at 8 MiB, PDF and EPUB at their own cap", async () => {
    const vault = makeVault({ "docs/manual.pdf": radioManual(), "docs/page.html": "<p>small page</p>" });
    const size = statSync(join(vault, "docs/manual.pdf")).size;
    const result = await updateIndex(vault, { limits: { maxBinaryFileBytes: size - 1 } });
    expect(result.skipped).toEqual([
      {
        path: "docs/manual.pdf",
        reason: `is ${formatBytes(size)}, over the ${formatBytes(size - 1)} limit; not read`,
      },
    ]);
    expect(result.added).toBe(1);
  });
});

describe("index schema", () => {
  test("a version-1 index is migrated in place: its chunks stay, new ones carry pages", async () => {
    const vault = makeVault({ "docs/notes.md": "# Notes\n\nThe generator needs oil.\n" });
    mkdirSync(join(vault, "state"));
    const db = new Database(join(vault, INDEX_FILE), { create: true });
    db.run(`
      CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, sha256 TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE chunks (id INTEGER PRIMARY KEY, path TEXT NOT NULL, seq INTEGER NOT NULL, heading TEXT NOT NULL,
        body TEXT NOT NULL, line_start INTEGER NOT NULL, line_end INTEGER NOT NULL);
      CREATE INDEX chunks_by_path ON chunks(path, seq);
      CREATE VIRTUAL TABLE chunks_fts USING fts5(heading, body, content='chunks', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER chunks_after_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, heading, body) VALUES (new.id, new.heading, new.body); END;
      CREATE TRIGGER chunks_after_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, heading, body) VALUES ('delete', old.id, old.heading, old.body); END;
      PRAGMA user_version = 1;`);
    const info = statSync(join(vault, "docs/notes.md"));
    db.run("INSERT INTO files VALUES ('docs/notes.md', ?, ?, 'x')", [info.size, info.mtimeMs]);
    db.run(
      "INSERT INTO chunks (path, seq, heading, body, line_start, line_end) VALUES ('docs/notes.md', 0, 'Notes', 'The generator needs oil.', 3, 3)",
    );
    db.close();

    writeFileSync(join(vault, "docs/radio.pdf"), radioManual());
    const result = await updateIndex(vault);
    expect(result).toMatchObject({ added: 1, unchanged: 1, warnings: [] });
    expect(search(vault, "generator oil")[0]).toMatchObject({ path: "docs/notes.md", lineStart: 3 });
    expect(search(vault, "antenna tuner")[0]).toMatchObject({ path: "docs/radio.pdf", page: 3 });
    const migrated = new Database(join(vault, INDEX_FILE), { readonly: true });
    expect(migrated.query("PRAGMA user_version").get()).toEqual({ user_version: 2 });
    migrated.close();
  });
});
