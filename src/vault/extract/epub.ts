/**
 * An EPUB's chapters in spine (reading) order, one part per spine document, each parsed as HTML.
 * The zip is unpacked entry by entry under one byte budget checked before anything is inflated, so
 * a zip bomb costs a look at its directory, not the memory it claims.
 */
import { posix } from "node:path";
import { type UnzipFileInfo, unzipSync } from "fflate";
import { parse } from "node-html-parser";
import { formatBytes } from "../../terminal/bytes.ts";
import { DocumentProblem, type ExtractedPart } from "./document.ts";
import { extractHtml } from "./html.ts";

export interface EpubLimits {
  /** Most bytes all the entries read may unpack to, together. */
  maxUnpackedBytes: number;
  /** Stop with a problem once the text passes this many characters. */
  maxChars: number;
}

const CONTAINER = "META-INF/container.xml";
const ENCRYPTION = "META-INF/encryption.xml";
const CHAPTER_TYPES = new Set(["application/xhtml+xml", "text/html"]);
const STORED = 0;
const DEFLATED = 8;

export function extractEpub(bytes: Uint8Array, limits: EpubLimits): ExtractedPart[] {
  const zip = new BoundedZip(bytes, limits.maxUnpackedBytes);
  const container = zip.read([CONTAINER]).get(CONTAINER);
  if (container === undefined) throw new DocumentProblem(`not an EPUB: no ${CONTAINER}`);
  const opfPath = parse(container).querySelector("rootfile")?.getAttribute("full-path");
  if (!opfPath) throw new DocumentProblem(`not an EPUB: ${CONTAINER} names no package file`);
  const opf = zip.read([opfPath]).get(opfPath);
  if (opf === undefined) throw new DocumentProblem(`not an EPUB: package file ${opfPath} is missing`);

  const spine = spineDocuments(opf, posix.dirname(opfPath));
  if (spine.length === 0) throw new DocumentProblem("no chapters: the EPUB's spine is empty");
  const files = zip.read([...spine, ENCRYPTION]);
  const encrypted = encryptedPaths(files.get(ENCRYPTION));
  // Fonts are often "encrypted" (obfuscated) in ordinary books; only encrypted chapters are DRM.
  if (spine.some((path) => encrypted.has(path))) throw new DocumentProblem("encrypted: DRM-protected EPUB");

  const parts: ExtractedPart[] = [];
  let chars = 0;
  for (const [i, path] of spine.entries()) {
    const html = files.get(path);
    if (html === undefined) continue;
    const lines = extractHtml(html);
    for (const line of lines) chars += line.text.length;
    if (chars > limits.maxChars) throw new DocumentProblem(`more than ${limits.maxChars} characters of text`);
    if (lines.length > 0) parts.push({ chapter: i + 1, lines });
  }
  if (parts.length === 0) throw new DocumentProblem("no text in any chapter");
  return parts;
}

/** Zip paths of the spine's HTML documents, in reading order. */
function spineDocuments(opf: string, base: string): string[] {
  const root = parse(opf);
  const manifest = new Map<string, { href: string; type: string }>();
  for (const item of root.querySelectorAll("item")) {
    const id = item.getAttribute("id");
    const href = item.getAttribute("href");
    if (id && href) manifest.set(id, { href, type: item.getAttribute("media-type") ?? "" });
  }
  const paths: string[] = [];
  for (const ref of root.querySelectorAll("itemref")) {
    const item = manifest.get(ref.getAttribute("idref") ?? "");
    if (item === undefined || !CHAPTER_TYPES.has(item.type)) continue;
    const href = safeDecode(item.href.split("#")[0]!);
    const path = posix.normalize(posix.join(base, href));
    if (!path.startsWith("../") && !paths.includes(path)) paths.push(path);
  }
  return paths;
}

/** The zip paths META-INF/encryption.xml lists (its URIs are relative to the zip's root). */
function encryptedPaths(xml: string | undefined): Set<string> {
  const paths = new Set<string>();
  for (const match of xml?.matchAll(/\bURI\s*=\s*["']([^"']+)["']/g) ?? []) {
    paths.add(posix.normalize(safeDecode(match[1]!)));
  }
  return paths;
}

function safeDecode(href: string): string {
  try {
    return decodeURIComponent(href);
  } catch {
    return href;
  }
}

/** Reads named entries as text, refusing (before inflating) whatever would pass the byte budget. */
class BoundedZip {
  #left: number;
  readonly #bytes: Uint8Array;
  readonly #cap: number;
  readonly #decoder = new TextDecoder("utf-8");

  constructor(bytes: Uint8Array, cap: number) {
    this.#bytes = bytes;
    this.#cap = cap;
    this.#left = cap;
  }

  read(names: readonly string[]): Map<string, string> {
    const wanted = new Set(names);
    const check = (entry: UnzipFileInfo): boolean => {
      if (!wanted.has(entry.name)) return false;
      if (entry.compression !== STORED && entry.compression !== DEFLATED) {
        throw new DocumentProblem(`${entry.name} uses zip compression method ${entry.compression}`);
      }
      // A stored entry is a slice of the file; an inflated one gets exactly the size it declares
      // (fflate writes no further), so the declared size is what this entry can cost.
      if (entry.originalSize > this.#left) {
        throw new DocumentProblem(
          `${entry.name} unpacks to ${formatBytes(entry.originalSize)}, over the ${formatBytes(this.#cap)} limit (zip bomb?)`,
        );
      }
      this.#left -= entry.originalSize;
      return true;
    };
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(this.#bytes, { filter: check });
    } catch (error) {
      if (error instanceof DocumentProblem) throw error;
      throw new DocumentProblem("corrupt or truncated EPUB (not a readable zip)");
    }
    return new Map(Object.entries(entries).map(([name, data]) => [name, this.#decoder.decode(data)]));
  }
}
