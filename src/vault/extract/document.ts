/**
 * What every format's extractor gives the chunker: the document's text in parts (the whole file for
 * Markdown and text, one part per page of a PDF, one per chapter of an EPUB), each a list of lines
 * some of which are headings. Line numbers count within a part, so a source points at a page or a
 * chapter and the lines inside it.
 */

export interface ExtractedLine {
  text: string;
  /** 1..6 when the line is a heading (its level), absent for body text. */
  heading?: number;
  /** 1-based line number in the part; Markdown keeps the file's own numbering (front matter skipped). */
  no: number;
}

export interface ExtractedPart {
  /** 1-based page of a PDF. */
  page?: number;
  /** 1-based chapter of an EPUB, in spine order. */
  chapter?: number;
  lines: ExtractedLine[];
}

/**
 * A file that cannot be indexed, with the one line the operator sees (`no text layer: scanned?`,
 * `encrypted`, `corrupt PDF`, …). Thrown by extractors; the indexer lists it and moves on.
 */
export class DocumentProblem extends Error {
  override readonly name = "DocumentProblem";
}

/** Numbers lines 1.. in order: the shape every extracted format but Markdown has. */
export function numberLines(lines: ReadonlyArray<Omit<ExtractedLine, "no">>): ExtractedLine[] {
  return lines.map((line, i) => ({ ...line, no: i + 1 }));
}
