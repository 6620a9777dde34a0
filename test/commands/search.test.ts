/** `/search` and `ember search` name where each hit is: the file, the page or chapter, the heading. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeEpub } from "../../scripts/lib/epub-writer.ts";
import { makePdf, type PdfPage } from "../../scripts/lib/pdf-writer.ts";
import type { App } from "../../src/app.ts";
import { renderSearchHits } from "../../src/commands/search.ts";
import { createStyle } from "../../src/terminal/style.ts";
import { type SearchHit, updateIndex } from "../../src/vault/index.ts";
import { runLine, tempApp } from "../helpers/app.ts";
import { runEmber } from "../helpers/ember-cli.ts";

let app: App;
let vault: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ app, vault, cleanup } = await tempApp());
  mkdirSync(join(vault, "docs", "manuals"), { recursive: true });
  const pages: PdfPage[] = Array.from({ length: 14 }, (_, i) => ({
    lines: [{ text: `Page ${i + 1} is about batteries.` }],
  }));
  pages[13] = { lines: [{ text: "Antenna tuning", size: 16 }, { text: "Set the tuner to 7.1 MHz." }] };
  writeFileSync(join(vault, "docs", "manuals", "radio.pdf"), makePdf(pages));
  writeFileSync(
    join(vault, "docs", "field.epub"),
    makeEpub("Field", [
      { title: "Shelter", body: "<h1>Shelter</h1><p>Pitch the tarp low.</p>" },
      { title: "Fire", body: "<h1>Fire</h1><h2>Hearth</h2><p>Keep a firebreak of two metres.</p>" },
    ]),
  );
  await updateIndex(vault);
});
afterAll(() => cleanup());

describe("search sources", () => {
  test("/search shows the page of a PDF and the chapter of an EPUB, with the heading", async () => {
    const pdf = await runLine(app, "/search tuner MHz");
    expect(pdf.output.split("\n")[0]).toMatch(
      /^docs\/manuals\/radio\.pdf p\. 14 · Antenna tuning \(score [\d.]+\)$/,
    );
    const epub = await runLine(app, "/search firebreak");
    expect(epub.output.split("\n")[0]).toMatch(/^docs\/field\.epub ch\. 2 · Hearth \(score [\d.]+\)$/);
  });

  test("ember search prints the same source, and --json carries it beside page and chapter", async () => {
    const text = await runEmber(["search", "tuner"], { vault });
    expect(text.stdout).toMatch(/^docs\/manuals\/radio\.pdf p\. 14 · Antenna tuning \(score/m);
    const json = JSON.parse((await runEmber(["search", "--json", "firebreak"], { vault })).stdout);
    expect(json.hits[0].lineMatches).toBeUndefined();
    expect(json.hits[0]).toMatchObject({
      source: "docs/field.epub ch. 2 · Hearth",
      path: "docs/field.epub",
      chapter: 2,
      heading: "Fire > Hearth",
    });
  }, 60_000);

  test("a hostile file name or excerpt is shown, not obeyed; matched words are bold on a terminal", () => {
    const hit: SearchHit = {
      path: "docs/\x1b]0;pwned\x07.md",
      heading: "Evil\x1b[2J",
      excerpt: "the \uE010tuner\uE011 \x1b[31mred",
      text: "",
      score: 1,
      lineStart: 4,
      lineEnd: 4,
      lineMatches: [],
    };
    const [source, excerpt] = renderSearchHits([hit], createStyle(true));
    expect(source).toContain("docs/␛]0;pwned␇.md:4 · Evil␛[2J");
    expect(excerpt).toBe("    the \x1b[1mtuner\x1b[22m ␛[31mred");
  });
});
