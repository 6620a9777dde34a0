/**
 * A PDF's text layer, one part per page (pdf.js through unpdf). Headings come from the outline when
 * the file has one (each entry heads the page it points to, at its depth), otherwise from font
 * sizes: a short line set clearly larger than the body text is a heading, larger sizes ranking
 * higher. A file with no text at all is a scan and a problem, never an empty document.
 */
import { getDocumentProxy } from "unpdf";
import { DocumentProblem, type ExtractedLine, type ExtractedPart } from "./document.ts";

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

export interface PdfLimits {
  /** Stop with a problem once the text passes this many characters. */
  maxChars: number;
}

interface TextItem {
  str: string;
  transform: number[];
  hasEOL: boolean;
}

type ContentItem = TextItem | { type: string };

interface PageLine {
  text: string;
  size: number;
  y: number;
}

/** How much larger than the body text a line must be to read as a heading. */
const HEADING_SCALE = 1.15;
/** A heading is a title, not a paragraph set large. */
const HEADING_MAX_CHARS = 120;
const HEADING_LEVELS = 3;

export async function extractPdf(bytes: Uint8Array, limits: PdfLimits): Promise<ExtractedPart[]> {
  let doc: PdfDocument;
  try {
    // pdf.js refuses a Node Buffer and may detach what it is given: it gets a plain copy.
    doc = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, stopAtErrors: true });
  } catch (error) {
    throw problemOf(error);
  }
  try {
    const pages: PageLine[][] = [];
    let chars = 0;
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      page.cleanup();
      const lines = pageLines((content.items as ContentItem[]).filter((i): i is TextItem => "str" in i));
      for (const line of lines) chars += line.text.length;
      if (chars > limits.maxChars)
        throw new DocumentProblem(`more than ${limits.maxChars} characters of text`);
      pages.push(lines);
    }
    if (pages.every((lines) => lines.length === 0)) throw new DocumentProblem("no text layer: scanned?");
    const outline = await outlineHeadings(doc);
    const sizes = outline === null ? headingSizes(pages) : null;
    return pages.map((lines, i) => ({
      page: i + 1,
      lines: sizes === null ? byOutline(lines, outline?.get(i + 1) ?? []) : bySize(lines, sizes),
    }));
  } catch (error) {
    throw problemOf(error);
  } finally {
    await doc.loadingTask.destroy();
  }
}

/** Text items joined into lines (pdf.js marks line ends), each with its largest font size. */
function pageLines(items: readonly TextItem[]): PageLine[] {
  const lines: PageLine[] = [];
  let text = "";
  let size = 0;
  let y = 0;
  const end = () => {
    const clean = text.replace(/\s+/g, " ").trim();
    if (clean !== "") lines.push({ text: clean, size, y });
    text = "";
    size = 0;
  };
  for (const item of items) {
    if (text === "" && item.str !== "") y = item.transform[5] ?? 0;
    text += item.str;
    if (item.str.trim() !== "")
      size = Math.max(size, Math.hypot(item.transform[2] ?? 0, item.transform[3] ?? 0));
    if (item.hasEOL) end();
  }
  end();
  return lines;
}

interface HeadingSizes {
  body: number;
  /** Sizes that make a heading, largest first: level 1, 2, … */
  ranked: number[];
}

const sizeKey = (size: number) => Math.round(size * 10) / 10;

/** The body size (most characters are set in it) and the larger sizes headings use, document-wide. */
function headingSizes(pages: readonly PageLine[][]): HeadingSizes {
  const weight = new Map<number, number>();
  for (const line of pages.flat()) {
    weight.set(sizeKey(line.size), (weight.get(sizeKey(line.size)) ?? 0) + line.text.length);
  }
  let body = 0;
  let bodyWeight = -1;
  for (const [size, w] of weight) {
    if (w > bodyWeight) [body, bodyWeight] = [size, w];
  }
  const ranked = [
    ...new Set(
      pages
        .flat()
        .filter((l) => isSizeHeading(l, body))
        .map((l) => sizeKey(l.size)),
    ),
  ].sort((a, b) => b - a);
  return { body, ranked };
}

function bySize(lines: readonly PageLine[], sizes: HeadingSizes): ExtractedLine[] {
  return withParagraphs(lines, (line) => {
    if (!isSizeHeading(line, sizes.body)) return undefined;
    return Math.min(sizes.ranked.indexOf(sizeKey(line.size)) + 1, HEADING_LEVELS);
  });
}

function isSizeHeading(line: PageLine, body: number): boolean {
  return (
    body > 0 &&
    line.size >= body * HEADING_SCALE &&
    line.text.length <= HEADING_MAX_CHARS &&
    /\p{L}/u.test(line.text)
  );
}

interface OutlineHeading {
  title: string;
  level: number;
}

/** Page number → the outline entries pointing at it, or null when the file has no outline. */
async function outlineHeadings(doc: PdfDocument): Promise<Map<number, OutlineHeading[]> | null> {
  const outline = await doc.getOutline().catch(() => null);
  if (!outline || outline.length === 0) return null;
  const byPage = new Map<number, OutlineHeading[]>();
  const visit = async (items: typeof outline, level: number) => {
    for (const item of items) {
      const page = await destinationPage(doc, item.dest);
      const title = item.title.replace(/\s+/g, " ").trim();
      if (page !== null && title !== "") {
        byPage.set(page, [...(byPage.get(page) ?? []), { title, level: Math.min(level, 6) }]);
      }
      if (item.items.length > 0) await visit(item.items, level + 1);
    }
  };
  await visit(outline, 1);
  return byPage;
}

async function destinationPage(doc: PdfDocument, dest: string | unknown[] | null): Promise<number | null> {
  try {
    const explicit = typeof dest === "string" ? await doc.getDestination(dest) : dest;
    const ref = explicit?.[0];
    if (ref === undefined || ref === null) return null;
    const index = typeof ref === "number" ? ref : await doc.getPageIndex(ref as never);
    return index + 1;
  } catch {
    // A broken outline entry heads nothing; the page text is still indexed.
    return null;
  }
}

/**
 * Outline entries head their page: a line that reads as the entry's title becomes that heading, and
 * an entry with no such line is placed at the top of the page.
 */
function byOutline(lines: readonly PageLine[], headings: readonly OutlineHeading[]): ExtractedLine[] {
  const key = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
  const pending = new Map(headings.map((h) => [key(h.title), h]));
  const marked = withParagraphs(lines, (line) => {
    const heading = pending.get(key(line.text));
    if (heading === undefined) return undefined;
    pending.delete(key(line.text));
    return heading.level;
  });
  const unplaced = headings.filter((h) => pending.has(key(h.title)));
  return [...unplaced.map((h) => ({ text: h.title, heading: h.level, no: 1 })), ...marked];
}

/** Page lines numbered 1.., a blank line where the vertical gap says a paragraph ended. */
function withParagraphs(
  lines: readonly PageLine[],
  headingOf: (line: PageLine) => number | undefined,
): ExtractedLine[] {
  const out: ExtractedLine[] = [];
  let previous: PageLine | null = null;
  for (const line of lines) {
    if (previous !== null && previous.y - line.y > Math.max(previous.size, line.size) * 1.8) {
      out.push({ text: "", no: out.length + 1 });
    }
    const heading = headingOf(line);
    out.push(
      heading === undefined
        ? { text: line.text, no: out.length + 1 }
        : { text: line.text, heading, no: out.length + 1 },
    );
    previous = line;
  }
  return out;
}

/** pdf.js's failures as the operator's one line. */
function problemOf(error: unknown): DocumentProblem {
  if (error instanceof DocumentProblem) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === "PasswordException") return new DocumentProblem("encrypted: needs a password");
  if (name === "InvalidPDFException") return new DocumentProblem("corrupt or truncated PDF");
  const message = error instanceof Error ? error.message : String(error);
  return new DocumentProblem(`unreadable PDF (${message.split("\n")[0]!.slice(0, 120)})`);
}
