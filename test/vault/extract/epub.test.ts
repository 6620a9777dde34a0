import { describe, expect, test } from "bun:test";
import { strToU8, zipSync } from "fflate";
import { makeEpub } from "../../../scripts/lib/epub-writer.ts";
import { chunkParts } from "../../../src/vault/chunk.ts";
import { DocumentProblem } from "../../../src/vault/extract/document.ts";
import { extractEpub } from "../../../src/vault/extract/epub.ts";

const LIMITS = { maxUnpackedBytes: 1024 * 1024, maxChars: 1_000_000 };

function problemOf(bytes: Uint8Array, limits = LIMITS): string {
  try {
    extractEpub(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentProblem);
    return (error as Error).message;
  }
  throw new Error("expected a problem");
}

const BOOK = makeEpub("Field book", [
  { title: "Cover", body: "<p>Field book</p>" },
  { title: "Shelter", body: "<h1>Shelter</h1><p>Pitch the tarp low against the wind.</p>" },
  { title: "Fire", body: "<h1>Fire</h1><h2>Safety</h2><p>Keep a firebreak of two metres.</p>" },
]);

describe("extractEpub", () => {
  test("reads chapters in spine order (not manifest order), each parsed as HTML, a title heading a chapter with no h1", () => {
    const parts = extractEpub(BOOK, LIMITS);
    expect(parts.map((p) => p.chapter)).toEqual([1, 2, 3]);
    const chunks = chunkParts("docs/book.epub", parts);
    expect(chunks.map((c) => [c.chapter, c.heading, c.text])).toEqual([
      [1, "Cover", "Field book"],
      [2, "Shelter", "Pitch the tarp low against the wind."],
      [3, "Fire > Safety", "Keep a firebreak of two metres."],
    ]);
  });

  test("a zip bomb is refused from its directory, before anything is inflated", () => {
    const bomb = makeEpub("Bomb", [{ title: "Zeros", body: `<p>${"0".repeat(4 * 1024 * 1024)}</p>` }]);
    // About 4 MiB of one repeated byte deflates to a few kilobytes: a ratio of about a thousand.
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(problemOf(bomb)).toMatch(
      /^OEBPS\/text\/ch1\.xhtml unpacks to 4\.0 MiB, over the 1\.0 MiB limit \(zip bomb\?\)$/,
    );
  });

  test("corrupt, truncated, non-EPUB zips and DRM-encrypted chapters are one-line problems", () => {
    expect(problemOf(BOOK.slice(0, BOOK.length - 40))).toBe("corrupt or truncated EPUB (not a readable zip)");
    expect(problemOf(new TextEncoder().encode("not a zip at all"))).toBe(
      "corrupt or truncated EPUB (not a readable zip)",
    );
    expect(problemOf(zipSync({ "readme.txt": strToU8("hello") }))).toBe(
      "not an EPUB: no META-INF/container.xml",
    );
    const drm = zipSync({
      "META-INF/container.xml": strToU8('<container><rootfile full-path="book.opf"/></container>'),
      "META-INF/encryption.xml": strToU8(
        '<encryption><EncryptedData><CipherData><CipherReference URI="c1.xhtml"/></CipherData></EncryptedData></encryption>',
      ),
      "book.opf": strToU8(
        '<package><manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>',
      ),
      "c1.xhtml": new Uint8Array([1, 2, 3, 250, 251]),
    });
    expect(problemOf(drm)).toBe("encrypted: DRM-protected EPUB");
  });
});
