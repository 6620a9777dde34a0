/**
 * Writes real EPUB files for the tests and `make bench`: the `mimetype` entry stored first, the
 * container pointing at a package file, a manifest and a spine in reading order, and one XHTML
 * document per chapter. Chapters are listed in the spine in the order given; the manifest lists
 * them in reverse, so a reader that follows the manifest instead of the spine gets them wrong.
 */
import { strToU8, type Zippable, zipSync } from "fflate";

export interface EpubChapter {
  title: string;
  /** The chapter's body, as XHTML. */
  body: string;
}

export function makeEpub(title: string, chapters: readonly EpubChapter[]): Uint8Array {
  const files: Zippable = {
    mimetype: [strToU8("application/epub+zip"), { level: 0 }],
    "META-INF/container.xml": strToU8(
      `<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>`,
    ),
  };
  const ids = chapters.map((_, i) => `ch${i + 1}`);
  const manifest = ids
    .map((id) => `    <item id="${id}" href="text/${id}.xhtml" media-type="application/xhtml+xml"/>`)
    .reverse()
    .join("\n");
  const spine = ids.map((id) => `    <itemref idref="${id}"/>`).join("\n");
  files["OEBPS/content.opf"] = strToU8(
    `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${escapeXml(title)}</dc:title></metadata>
  <manifest>
${manifest}
    <item id="style" href="style.css" media-type="text/css"/>
  </manifest>
  <spine>
${spine}
  </spine>
</package>`,
  );
  files["OEBPS/style.css"] = strToU8("body { font-family: serif; }");
  for (const [i, chapter] of chapters.entries()) {
    files[`OEBPS/text/${ids[i]}.xhtml`] = strToU8(
      `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>${escapeXml(chapter.title)}</title>
<link rel="stylesheet" href="../style.css"/></head>
<body>${chapter.body}</body></html>`,
    );
  }
  return zipSync(files);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
