/**
 * Markdown and plain text as one extracted part. Markdown headings are ATX (`#`) and single-line
 * setext; front matter is not indexed, and `#` lines inside code fences are code, never headings.
 * Lines keep the file's numbering, so a source's `lines` open the right place in an editor.
 */
import type { ExtractedLine, ExtractedPart } from "./document.ts";

export interface Fence {
  char: string;
  length: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-{2,})[ \t]*$/;
const BLANK = /^\s*$/;

type HeadingMark = { level: number; text: string } | "underline";

export function extractMarkdown(content: string): ExtractedPart {
  const lines = splitLines(content);
  const body = lines.slice(frontMatterLength(lines));
  const headings = findHeadings(body);
  const out: ExtractedLine[] = [];
  for (const [i, line] of body.entries()) {
    const mark = headings.get(i);
    if (mark === "underline") continue;
    out.push(mark === undefined ? line : { no: line.no, text: mark.text, heading: mark.level });
  }
  return { lines: out };
}

export function extractPlainText(content: string): ExtractedPart {
  return { lines: splitLines(content) };
}

function splitLines(content: string): ExtractedLine[] {
  const text = content.startsWith("\uFEFF") ? content.slice(1) : content;
  return text.split(/\r\n|\r|\n/).map((t, i) => ({ no: i + 1, text: t }));
}

/** Number of leading lines taken by a YAML (`---`) front matter block, 0 when there is none. */
function frontMatterLength(lines: ExtractedLine[]): number {
  if (lines[0]?.text.trimEnd() !== "---") return 0;
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i]!.text.trimEnd();
    if (t === "---" || t === "...") return i + 1;
  }
  return 0;
}

/** Maps line index to the heading it opens, or to "underline" for a setext underline to drop. */
function findHeadings(lines: ExtractedLine[]): Map<number, HeadingMark> {
  const found = new Map<number, HeadingMark>();
  let fence: Fence | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.text;
    if (fence !== null) {
      if (closesFence(text, fence)) fence = null;
      continue;
    }
    fence = opensFence(text);
    if (fence !== null) continue;
    const atx = ATX_HEADING.exec(text);
    if (atx) {
      const title = atx[2]!
        .trim()
        .replace(/(^|[ \t]+)#+$/, "")
        .trim();
      found.set(i, { level: atx[1]!.length, text: title });
      continue;
    }
    // Only a one-line paragraph becomes a setext heading; a `---` under a longer paragraph is
    // read as a thematic break, which keeps prose from turning into headings by accident.
    const underline = SETEXT_UNDERLINE.exec(text);
    if (underline && i > 0 && isParagraphLine(lines, i - 1, found)) {
      const before = i - 2;
      if (before < 0 || BLANK.test(lines[before]!.text) || found.has(before)) {
        found.set(i - 1, { level: underline[1]![0] === "=" ? 1 : 2, text: lines[i - 1]!.text.trim() });
        found.set(i, "underline");
      }
    }
  }
  return found;
}

/** The fence a line opens (``` or ~~~, CommonMark rules), or null. */
export function opensFence(text: string): Fence | null {
  const open = FENCE_OPEN.exec(text);
  if (open === null) return null;
  const marker = open[1]!;
  // A backtick fence's info string may not contain backticks (that is inline code).
  if (marker[0] === "`" && open[2]!.includes("`")) return null;
  return { char: marker[0]!, length: marker.length };
}

/** A fence closes on the same character, at least as long, with nothing after it. */
export function closesFence(text: string, fence: Fence): boolean {
  const close = FENCE_CLOSE.exec(text);
  return close !== null && close[1]![0] === fence.char && close[1]!.length >= fence.length;
}

function isParagraphLine(lines: ExtractedLine[], i: number, found: Map<number, HeadingMark>): boolean {
  const text = lines[i]!.text;
  return !BLANK.test(text) && !found.has(i) && !FENCE_OPEN.test(text) && !/^ {0,3}[-*+>|]/.test(text);
}
