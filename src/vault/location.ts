/**
 * Where a piece of the vault comes from, and the one way Ember writes that down: in the prompt
 * (so the model can cite it), after an answer in the REPL, in `/search` and `ember search`. One
 * formatter keeps all of them pointing at the same place in the same words.
 */

import { HEADING_SEPARATOR } from "./chunk.ts";

export interface SourceLocation {
  /** Vault-relative path with forward slashes, e.g. "docs/radio/antenna.md". */
  file: string;
  /** 1-based, inclusive lines of the text within its part: the file, or the page or chapter. */
  lines: readonly [start: number, end: number];
  /** Heading trail ("Radio > Antenna setup"); empty when there is none. */
  heading: string;
  /** 1-based page, for paged documents (PDF). */
  page?: number;
  /** 1-based chapter in reading (spine) order, for books (EPUB). */
  chapter?: number;
}

/** Where a search hit (or any indexed chunk) sits. */
export function locationOf(chunk: {
  path: string;
  heading: string;
  lineStart: number;
  lineEnd: number;
  page?: number;
  chapter?: number;
}): SourceLocation {
  return {
    file: chunk.path,
    lines: [chunk.lineStart, chunk.lineEnd],
    heading: chunk.heading,
    ...(chunk.page !== undefined ? { page: chunk.page } : {}),
    ...(chunk.chapter !== undefined ? { chapter: chunk.chapter } : {}),
  };
}

/**
 * `docs/radio/antenna.md:12 · Antenna setup`: the file and where in it (its first line, or the
 * page or chapter of a PDF or EPUB: a reader can open it there), then the innermost heading, the
 * part of the trail that tells sections apart.
 */
export function formatSource(location: SourceLocation): string {
  const heading = innermostHeading(location.heading);
  const place = `${location.file}${formatPart(location) ?? `:${location.lines[0]}`}`;
  return heading === "" ? place : `${place} · ${heading}`;
}

/** ` p. 14` or ` ch. 3` for a document read in parts; undefined for a plain text file. */
export function formatPart(location: Pick<SourceLocation, "page" | "chapter">): string | undefined {
  if (location.page !== undefined) return ` p. ${location.page}`;
  if (location.chapter !== undefined) return ` ch. ${location.chapter}`;
  return undefined;
}

function innermostHeading(trail: string): string {
  return trail.split(HEADING_SEPARATOR).at(-1)!.trim();
}
