#!/usr/bin/env bun
/**
 * Writes a deterministic pseudo-random vault for index benchmarks:
 *
 *   bun scripts/make-vault.ts OUT_DIR [--files N] [--pdfs N] [--html N] [--epubs N] [--seed N]
 *
 * N Markdown field-manual pages (default 100; 10,000 make about 20 MB) under OUT_DIR/docs/, plus the
 * core documents README.md, AGENTS.md and docs/ROADMAP.md. --pdfs adds 10-page PDF manuals under
 * docs/manuals/, --html saved web pages under docs/web/, --epubs 10-chapter books under docs/books/
 * (default 0 each). The same counts and seed give the same bytes; each format has its own random
 * stream, so adding one never changes another's files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeWriter } from "./lib/vault-writer.ts";

export const PDF_PAGES = 10;
export const EPUB_CHAPTERS = 10;

/** Each format's random stream: the seed plus its offset. */
const STREAM = { markdown: 0, pdf: 1_000_003, html: 2_000_003, epub: 3_000_017 } as const;

/** A hundred files per folder keeps directories a realistic size. */
function folderFor(root: string, n: number): string {
  const dir = join(root, `section-${String(Math.floor(n / 100)).padStart(3, "0")}`);
  if (n % 100 === 0) mkdirSync(dir, { recursive: true });
  return dir;
}

function count(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${value}`);
  return n;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      files: { type: "string", default: "100" },
      pdfs: { type: "string", default: "0" },
      html: { type: "string", default: "0" },
      epubs: { type: "string", default: "0" },
      seed: { type: "string", default: "1" },
    },
  });
  const outDir = positionals[0];
  if (outDir === undefined || positionals.length !== 1) {
    throw new Error(
      "usage: bun scripts/make-vault.ts OUT_DIR [--files N] [--pdfs N] [--html N] [--epubs N] [--seed N]",
    );
  }
  const files = count("files", values.files);
  const pdfs = count("pdfs", values.pdfs);
  const html = count("html", values.html);
  const epubs = count("epubs", values.epubs);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

  const writer = makeWriter(seed + STREAM.markdown);
  const docs = join(outDir, "docs");
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(outDir, "README.md"), `# Field vault\n\n${writer.paragraph()}\n`);
  writeFileSync(join(outDir, "AGENTS.md"), `# Operator instructions\n\n${writer.paragraph()}\n`);
  writeFileSync(join(docs, "ROADMAP.md"), `# Roadmap\n\n## Next\n\n${writer.paragraph()}\n`);

  let bytes = 0;
  const write = (path: string, content: string | Uint8Array) => {
    bytes += typeof content === "string" ? Buffer.byteLength(content) : content.length;
    writeFileSync(path, content);
  };
  for (let n = 0; n < files; n++) {
    write(join(folderFor(docs, n), `page-${String(n).padStart(5, "0")}.md`), writer.page(n));
  }
  const formats = [
    { total: pdfs, stream: STREAM.pdf, folder: "manuals", name: "manual", ext: "pdf" },
    { total: html, stream: STREAM.html, folder: "web", name: "page", ext: "html" },
    { total: epubs, stream: STREAM.epub, folder: "books", name: "book", ext: "epub" },
  ] as const;
  for (const format of formats) {
    const own = makeWriter(seed + format.stream);
    for (let n = 0; n < format.total; n++) {
      const name = `${format.name}-${String(n).padStart(5, "0")}.${format.ext}`;
      const content =
        format.ext === "pdf"
          ? own.pdfManual(n, PDF_PAGES)
          : format.ext === "html"
            ? own.htmlPage(n)
            : own.epubBook(n, EPUB_CHAPTERS);
      write(join(folderFor(join(docs, format.folder), n), name), content);
    }
  }
  const written = files + pdfs + html + epubs;
  console.log(`wrote ${written} documents (${(bytes / 1e6).toFixed(1)} MB) to ${docs}`);
}

if (import.meta.main) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
