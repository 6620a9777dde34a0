/**
 * Splits an extracted vault document into retrieval chunks.
 *
 * Text is cut at headings, each chunk carrying its heading trail ("Radio > Antenna setup"); the trail
 * runs on across the parts of a document (a section that starts on page 3 of a PDF still names its
 * heading on page 4), but no chunk spans two parts. Sections longer than `maxChars` are cut again at
 * paragraph boundaries; a code fence stays whole when it fits.
 */
import type { ExtractedLine, ExtractedPart } from "./extract/document.ts";
import {
  closesFence,
  extractMarkdown,
  extractPlainText,
  type Fence,
  opensFence,
} from "./extract/markdown.ts";

export interface Chunk {
  /** Vault-relative path with forward slashes, e.g. "docs/radio.md". */
  path: string;
  /** Heading trail joined with " > "; empty for text before the first heading and for plain text. */
  heading: string;
  text: string;
  /** 1-based, inclusive line numbers of `text` in its part (the file, a PDF page, an EPUB chapter). */
  lineStart: number;
  lineEnd: number;
  /** 1-based PDF page the text is on. */
  page?: number;
  /** 1-based EPUB chapter (spine order) the text is in. */
  chapter?: number;
}

export interface ChunkOptions {
  /** Longest chunk text in characters before a section is cut further. Default 1200 (~300 tokens). */
  maxChars?: number;
  /** "markdown" or "text"; by default taken from the path's extension (.txt is text). */
  format?: "markdown" | "text";
}

export const DEFAULT_CHUNK_MAX_CHARS = 1200;

export const HEADING_SEPARATOR = " > ";

type Line = ExtractedLine;

interface Heading {
  level: number;
  text: string;
}

interface Section {
  trail: string;
  lines: Line[];
  part: ExtractedPart;
}

/** A run of lines that must stay together if it fits: a paragraph or a whole code fence. */
interface Block {
  /** Index of the block's first and last line in its section. */
  first: number;
  last: number;
}

const BLANK = /^\s*$/;

/** Chunks of a Markdown or plain-text file. */
export function chunkDocument(path: string, content: string, options: ChunkOptions = {}): Chunk[] {
  const format = options.format ?? (path.toLowerCase().endsWith(".txt") ? "text" : "markdown");
  const part = format === "markdown" ? extractMarkdown(content) : extractPlainText(content);
  return chunkParts(path, [part], options);
}

/** Chunks of a document already extracted into parts (pages, chapters, or one whole file). */
export function chunkParts(
  path: string,
  parts: readonly ExtractedPart[],
  options: ChunkOptions = {},
): Chunk[] {
  const maxChars = options.maxChars ?? DEFAULT_CHUNK_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < 16) {
    throw new RangeError(`chunk maxChars must be an integer >= 16, got ${maxChars}`);
  }
  const chunks: Chunk[] = [];
  for (const section of sectionsOf(parts)) {
    for (const group of packBlocks(section.lines, blocksOf(section.lines), maxChars)) {
      const chunk: Chunk = {
        path,
        heading: section.trail,
        text: group.map((l) => l.text).join("\n"),
        lineStart: group[0]!.no,
        lineEnd: group[group.length - 1]!.no,
      };
      if (section.part.page !== undefined) chunk.page = section.part.page;
      if (section.part.chapter !== undefined) chunk.chapter = section.part.chapter;
      chunks.push(chunk);
    }
  }
  return chunks;
}

function sectionsOf(parts: readonly ExtractedPart[]): Section[] {
  const sections: Section[] = [];
  const stack: Heading[] = [];
  const trail = () => stack.map((s) => s.text).join(HEADING_SEPARATOR);
  for (const part of parts) {
    let current: Section = { trail: trail(), lines: [], part };
    for (const line of part.lines) {
      if (line.heading === undefined) {
        current.lines.push(line);
        continue;
      }
      sections.push(current);
      while (stack.length > 0 && stack[stack.length - 1]!.level >= line.heading) stack.pop();
      stack.push({ level: line.heading, text: line.text });
      current = { trail: trail(), lines: [], part };
    }
    sections.push(current);
  }
  return sections;
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
