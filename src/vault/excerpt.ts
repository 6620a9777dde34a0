/**
 * An excerpt of the vault as a turn adds it to the conversation: its identity (so a conversation
 * can tell it already holds it), how it reads in the prompt, and how a transcript records it.
 */
import { createHash } from "node:crypto";
import { formatPart, formatSource, type SourceLocation } from "./location.ts";

export interface Excerpt {
  /** `file[ p. N| ch. N]:start-end@hash`: the same lines with the same text always get the same id. */
  id: string;
  /** The lines the excerpt shows (outer lines dropped or one line cut to fit, marked with …). */
  text: string;
  /** countTokens(renderExcerpt(excerpt)): what adding it to the prompt costs. */
  tokens: number;
  /** The hit's relevance (negated bm25): higher is better. */
  score: number;
  location: SourceLocation;
}

/** What `ember ask --json` and the transcripts list for each excerpt a turn used. */
export interface GroundingRecord {
  file: string;
  lines: [number, number];
  heading: string;
  tokens: number;
  score: number;
  page?: number;
  chapter?: number;
  /** Already in the conversation (or the core documents) before this turn: not added again. */
  held?: true;
}

export const EXCERPT_SEPARATOR = "\n\n";

/** What an id names: the lines of one text (a file, or one page or chapter of it). */
export interface WindowPlace {
  /** `docs/radio.md`, `manuals/radio.pdf p. 14`, `books/field.epub ch. 3`. */
  text: string;
  lines: [number, number];
}

export function windowId(location: SourceLocation, text: string): string {
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 12);
  return `${textOf(location)}:${location.lines[0]}-${location.lines[1]}@${hash}`;
}

/** The text (file, or page or chapter of it) whose lines a location counts. */
export function textOf(location: Pick<SourceLocation, "file" | "page" | "chapter">): string {
  return `${location.file}${formatPart(location) ?? ""}`;
}

/** The place an id names, or null for an id this module did not make. */
export function parseWindowId(id: string): WindowPlace | null {
  const match = /^(.+):(\d+)-(\d+)@[0-9a-f]{12}$/.exec(id);
  if (match === null) return null;
  return { text: match[1]!, lines: [Number(match[2]), Number(match[3])] };
}

/** A block as the model reads it: its source on the first line, so an answer can cite it. */
export function renderExcerptBlock(location: SourceLocation, text: string): string {
  return `[${formatSource(location)}]\n${text}`;
}

export function renderExcerpt(excerpt: Excerpt): string {
  return renderExcerptBlock(excerpt.location, excerpt.text);
}

/** A turn's excerpts as one piece of prompt text; "" when there are none. */
export function renderExcerpts(excerpts: readonly Excerpt[]): string {
  return excerpts.map(renderExcerpt).join(EXCERPT_SEPARATOR);
}

/** Every excerpt a turn used: the ones it added, then the ones the conversation already held. */
export function groundingRecords(excerpts: {
  added: readonly Excerpt[];
  held: readonly Excerpt[];
}): GroundingRecord[] {
  return [
    ...excerpts.added.map(groundingRecord),
    ...excerpts.held.map((e): GroundingRecord => ({ ...groundingRecord(e), held: true })),
  ];
}

export function groundingRecord(excerpt: Excerpt): GroundingRecord {
  const { file, lines, heading, page, chapter } = excerpt.location;
  return {
    file,
    lines: [lines[0], lines[1]],
    heading,
    tokens: excerpt.tokens,
    score: Number(excerpt.score.toPrecision(4)),
    ...(page !== undefined ? { page } : {}),
    ...(chapter !== undefined ? { chapter } : {}),
  };
}
