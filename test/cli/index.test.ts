/** `ember index` as the operator runs it: on a terminal (a real pseudo-terminal) and with --json. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeEpub } from "../../scripts/lib/epub-writer.ts";
import { makePdf } from "../../scripts/lib/pdf-writer.ts";
import { shellQuote } from "../../src/cli/ember-argv.ts";
import { emberEnv, MAIN, runEmber } from "../helpers/ember-cli.ts";
import { collectOutput } from "../helpers/subprocess.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "docs", "manuals"), { recursive: true });
writeFileSync(
  join(dir, "docs", "manuals", "radio.pdf"),
  makePdf([
    { lines: [{ text: "Radio care" }] },
    { lines: [{ text: "Antenna tuning", size: 16 }, { text: "Set the tuner to 7.1 MHz." }] },
  ]),
);
writeFileSync(join(dir, "docs", "scan.pdf"), makePdf([{ image: true }]));
writeFileSync(join(dir, "docs", "water.html"), "<h1>Water</h1><p>Boil it for a minute.</p>");
writeFileSync(
  join(dir, "docs", "book.epub"),
  makeEpub("Book", [{ title: "Fire", body: "<h1>Fire</h1><p>Keep a firebreak.</p>" }]),
);

describe("ember index", () => {
  test("on a terminal: a progress line while it reads, then the summary with each skipped file's reason", async () => {
    // script(1) gives `ember index` a real pseudo-terminal and records every byte it writes.
    const command = [process.execPath, MAIN, "index"].map(shellQuote).join(" ");
    const proc = Bun.spawn(["script", "-q", "-e", "-c", command, "/dev/null"], {
      cwd: dir,
      env: emberEnv(dir, { COLUMNS: "100" }),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await collectOutput(proc);
    expect(out.code).toBe(0);
    // The first file always draws the line; it is redrawn in place (CR, erase line) and cleared.
    expect(out.stdout).toContain("\r\x1b[2Kindexing 0/4 files · 0.0 files/s · docs/book.epub");
    const summary = out.stdout.slice(out.stdout.lastIndexOf("\x1b[2K") + 4).replace(/\r/g, "");
    expect(summary).toMatch(
      /^indexed .*: 4 files \(3 added, 0 updated, 0 removed, 0 unchanged, 1 skipped\), \d+ chunks, \d+ ms\nskipped docs\/scan\.pdf: no text layer: scanned\?\n$/,
    );
  }, 60_000);

  test("--json prints the summary and the problems, and no progress", async () => {
    const out = await runEmber(["index", "--json"], { vault: dir });
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 3 });
    expect(result.skipped).toEqual([{ path: "docs/scan.pdf", reason: "no text layer: scanned?" }]);
  }, 60_000);
});
