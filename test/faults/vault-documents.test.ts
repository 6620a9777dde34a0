/**
 * Fault class: documents that cannot be read. A scan, an encrypted, corrupt or truncated file, a
 * zip bomb in an EPUB, a PDF whose content inflates to gigabytes, an oversized file: each is
 * skipped with one problem line naming it, within bounded time and memory, and `ember index` goes
 * on to index everything else and exits 0. Nothing of a stack trace reaches the operator.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeflate } from "node:zlib";
import { makeEpub } from "../../scripts/lib/epub-writer.ts";
import { makePdf } from "../../scripts/lib/pdf-writer.ts";
import { runEmber } from "../helpers/ember-cli.ts";

const vault = mkdtempSync(join(tmpdir(), "ember-bad-docs-"));
afterAll(() => rmSync(vault, { recursive: true, force: true }));

/** `bytes` of spaces, deflated: about a thousandth of their size. */
async function deflatedSpaces(bytes: number): Promise<Uint8Array> {
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => deflate.on("end", resolve));
  const block = Buffer.alloc(16 * 1024 * 1024, 0x20);
  for (let left = bytes; left > 0; left -= block.length)
    deflate.write(block.subarray(0, Math.min(left, block.length)));
  deflate.end();
  await ended;
  return Buffer.concat(out);
}

describe("ember index on documents that cannot be read", () => {
  test("each is one problem line; the rest is indexed; exit 0", async () => {
    const docs = join(vault, "docs");
    mkdirSync(docs, { recursive: true });
    const good = makePdf([
      { lines: [{ text: "Care" }] },
      { lines: [{ text: "Antenna tuning", size: 16 }, { text: "Set the tuner to 7.1 MHz." }] },
    ]);
    writeFileSync(join(docs, "good.pdf"), good);
    writeFileSync(join(docs, "scan.pdf"), makePdf([{ image: true }, { image: true }]));
    writeFileSync(join(docs, "locked.pdf"), makePdf([{ lines: [{ text: "secret" }] }], { encrypted: true }));
    writeFileSync(join(docs, "truncated.pdf"), good.slice(0, Math.floor(good.length / 3)));
    writeFileSync(
      join(docs, "garbage.pdf"),
      new Uint8Array(4096).map((_, i) => (i * 7919) % 256),
    );
    // 1 GiB of content stream in a 1 MB file: only the memory limit stops pdf.js reading it all.
    const pdfBomb = makePdf([{ contents: { filter: "FlateDecode", data: await deflatedSpaces(1024 ** 3) } }]);
    writeFileSync(join(docs, "bomb.pdf"), pdfBomb);
    const zipBomb = makeEpub("Bomb", [{ title: "Zeros", body: `<p>${"0".repeat(100 * 1024 * 1024)}</p>` }]);
    writeFileSync(join(docs, "bomb.epub"), zipBomb);
    const book = makeEpub("Book", [{ title: "Fire", body: "<h1>Fire</h1><p>Keep a firebreak.</p>" }]);
    writeFileSync(join(docs, "truncated.epub"), book.slice(0, book.length - 30));
    // Sparse: 65 MiB on paper, nothing on disk. Refused on its size before a byte is read.
    writeFileSync(join(docs, "huge.pdf"), "");
    truncateSync(join(docs, "huge.pdf"), 65 * 1024 * 1024);
    writeFileSync(join(docs, "latin1.md"), new Uint8Array([0x23, 0x20, 0xe9, 0x74, 0xe9, 0x0a]));

    const run = await runEmber(["index"], { vault });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^indexed .*: 10 files \(1 added, 0 updated, 0 removed, 0 unchanged, 9 skipped\)/,
    );
    expect(lines.slice(1).sort()).toEqual(
      [
        expect.stringMatching(
          /^skipped docs\/bomb\.epub: OEBPS\/text\/ch1\.xhtml unpacks to 100\.0 MiB, over the 64\.0 MiB limit \(zip bomb\?\)$/,
        ),
        "skipped docs/bomb.pdf: needed more than 512.0 MiB of memory to read",
        "skipped docs/garbage.pdf: corrupt or truncated PDF",
        "skipped docs/huge.pdf: is 65.0 MiB, over the 64.0 MiB limit; not read",
        "skipped docs/latin1.md: not valid UTF-8",
        "skipped docs/locked.pdf: encrypted: needs a password",
        "skipped docs/scan.pdf: no text layer: scanned?",
        "skipped docs/truncated.epub: corrupt or truncated EPUB (not a readable zip)",
        "skipped docs/truncated.pdf: corrupt or truncated PDF",
      ].sort(),
    );
    expect(run.stdout).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);

    const search = JSON.parse((await runEmber(["search", "--json", "tuner"], { vault })).stdout);
    expect(search.hits[0]).toMatchObject({ source: "docs/good.pdf p. 2 · Antenna tuning" });
  }, 120_000);
});
