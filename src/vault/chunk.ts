/**
 * Splits a vault document into retrieval chunks.
 *
 * Markdown is cut at headings (ATX `#` and single-line setext), each chunk carrying its heading trail
 * ("Radio > Antenna setup"); sections longer than `maxChars` are cut again at paragraph boundaries.
 * Plain text (and Markdown without headings) is packed paragraph by paragraph. Front matter is not
 * indexed, and `#` lines inside code fences are code, never headings.
 */

export interface Chunk {
  /** Vault-relative path with forward slashes, e.g. "docs/radio.md". */
  path: string;
  /** Heading trail joined with " > "; empty for text before the first heading and for plain text. */
  heading: string;
  text: string;
  /** 1-based, inclusive line numbers of `text` in the original file. */
  lineStart: number;
  lineEnd: number;
}

export interface ChunkOptions {
  /** Longest chunk text in characters before a section is cut further. Default 1200 (~300 tokens). */
  maxChars?: number;
  /** "markdown" or "text"; by default taken from the path's extension (.txt is text). */
  format?: "markdown" | "text";
}

export const DEFAULT_CHUNK_MAX_CHARS = 1200;

export const HEADING_SEPARATOR = " > ";

interface Line {
  /** 1-based line number in the original file. */
  no: number;
  text: string;
}

interface Heading {
  level: number;
  text: string;
}

interface Fence {
  char: string;
  length: number;
}

interface Section {
  trail: string;
  lines: Line[];
}

/** A run of lines that must stay together if it fits: a paragraph or a whole code fence. */
interface Block {
  /** Index of the block's first and last line in its section. */
  first: number;
  last: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-{2,})[ \t]*$/;
const BLANK = /^\s*$/;

export function chunkDocument(path: string, content: string, options: ChunkOptions = {}): Chunk[] {
  const maxChars = options.maxChars ?? DEFAULT_CHUNK_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 16) {
    throw new RangeError(`chunk maxChars must be an integer >= 16, got ${maxChars}`);
  }
  const format = options.format ?? (path.toLowerCase().endsWith(".txt") ? "text" : "markdown");
  const lines = splitLines(content);
  const sections =
    format === "markdown"
      ? markdownSections(lines.slice(frontMatterLength(lines)))
      : [{ trail: "", lines: lines }];

  const chunks: Chunk[] = [];
  for (const section of sections) {
    for (const group of packBlocks(section.lines, blocksOf(section.lines), maxChars)) {
      chunks.push({
        path,
        heading: section.trail,
        text: group.map((l) => l.text).join("\n"),
        lineStart: group[0]!.no,
        lineEnd: group[group.length - 1]!.no,
      });
    }
  }
  return chunks;
}

function splitLines(content: string): Line[] {
  const text = content.startsWith("\uFEFF") ? content.slice(1) : content;
  return text.split(/\r\n|\r|\n/).map((t, i) => ({ no: i + 1, text: t }));
}

/** Number of leading lines taken by a YAML (`---`) front matter block, 0 when there is none. */
function frontMatterLength(lines: Line[]): number {
  if (lines[0]?.text.trimEnd() !== "---") return 0;
  for (let i = 1; i < lines.length; i++) {
    const t = lines[i]!.text.trimEnd();
    if (t === "---" || t === "...") return i + 1;
  }
  return 0;
}

function markdownSections(lines: Line[]): Section[] {
  const headings = findHeadings(lines);
  const sections: Section[] = [];
  const stack: Heading[] = [];
  let current: Section = { trail: "", lines: [] };
  for (let i = 0; i < lines.length; i++) {
    const h = headings.get(i);
    if (h === undefined) {
      current.lines.push(lines[i]!);
      continue;
    }
    if (h === "underline") continue;
    sections.push(current);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= h.level) stack.pop();
    stack.push(h);
    current = { trail: stack.map((s) => s.text).join(HEADING_SEPARATOR), lines: [] };
  }
  sections.push(current);
  return sections;
}

/** Maps line index to the heading it opens, or to "underline" for a setext underline to drop. */
function findHeadings(lines: Line[]): Map<number, Heading | "underline"> {
  const found = new Map<number, Heading | "underline">();
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
function opensFence(text: string): Fence | null {
  const open = FENCE_OPEN.exec(text);
  if (open === null) return null;
  const marker = open[1]!;
  // A backtick fence's info string may not contain backticks (that is inline code).
  if (marker[0] === "`" && open[2]!.includes("`")) return null;
  return { char: marker[0]!, length: marker.length };
}

/** A fence closes on the same character, at least as long, with nothing after it. */
function closesFence(text: string, fence: Fence): boolean {
  const close = FENCE_CLOSE.exec(text);
  return close !== null && close[1]![0] === fence.char && close[1]!.length >= fence.length;
}

function isParagraphLine(lines: Line[], i: number, found: Map<number, Heading | "underline">): boolean {
  const text = lines[i]!.text;
  return !BLANK.test(text) && !found.has(i) && !FENCE_OPEN.test(text) && !/^ {0,3}[-*+>|]/.test(text);
}

/** Paragraphs separated by blank lines; a code fence is one block even across blank lines. */
function blocksOf(lines: Line[]): Block[] {
  const blocks: Block[] = [];
  let first = -1;
  let fence: Fence | null = null;
  const flush = (last: number) => {
    if (first >= 0) blocks.push({ first, last });
    first = -1;
  };
  for (const [i, line] of lines.entries()) {
    if (fence !== null) {
      if (closesFence(line.text, fence)) fence = null;
      continue;
    }
    if (BLANK.test(line.text)) {
      flush(i - 1);
      continue;
    }
    if (first < 0) first = i;
    fence = opensFence(line.text);
  }
  flush(lines.length - 1);
  return blocks;
}

function textLength(lines: Line[]): number {
  let n = Math.max(0, lines.length - 1);
  for (const l of lines) n += l.text.length;
  return n;
}

/**
 * Greedily packs consecutive blocks (with the blank lines between them, so chunk lines map one to
 * one onto file lines) into groups of at most `maxChars`; a block too long on its own is cut at
 * line, then at word boundaries.
 */
function packBlocks(lines: Line[], blocks: Block[], maxChars: number): Line[][] {
  const groups: Line[][] = [];
  let open: Block | null = null;
  const flush = () => {
    if (open !== null) groups.push(lines.slice(open.first, open.last + 1));
    open = null;
  };
  for (const block of blocks) {
    const own = lines.slice(block.first, block.last + 1);
    if (textLength(own) > maxChars) {
      flush();
      groups.push(...splitOversizedBlock(own, maxChars));
      continue;
    }
    if (open !== null && textLength(lines.slice(open.first, block.last + 1)) <= maxChars) {
      open = { first: open.first, last: block.last };
    } else {
      flush();
      open = block;
    }
  }
  flush();
  return groups;
}

function splitOversizedBlock(lines: Line[], maxChars: number): Line[][] {
  const pieces: Line[] = [];
  for (const line of lines) {
    if (line.text.length <= maxChars) pieces.push(line);
    else for (const part of splitLongLine(line.text, maxChars)) pieces.push({ no: line.no, text: part });
  }
  const groups: Line[][] = [];
  let current: Line[] = [];
  for (const piece of pieces) {
    if (current.length > 0 && textLength([...current, piece]) > maxChars) {
      groups.push(current);
      current = [];
    }
    current.push(piece);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function splitLongLine(text: string, maxChars: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(" ", maxChars);
    let cut = space > maxChars / 2 ? space : maxChars;
    // Never cut a surrogate pair in half: a lone surrogate is not valid text.
    if (cut === maxChars && /[\uD800-\uDBFF]/.test(rest[cut - 1]!)) cut--;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}
