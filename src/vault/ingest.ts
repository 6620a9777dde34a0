/**
 * One vault file from bytes to chunks: the format its name says, the parser for that format (ours
 * in place for Markdown and text, the others in the extraction sandbox), then the chunker. A file
 * that cannot be read becomes a one-line problem instead of chunks.
 */
import { type Chunk, chunkParts } from "./chunk.ts";
import { DocumentProblem } from "./extract/document.ts";
import { type ExtractLimits, extractDocument, formatOf, needsSandbox } from "./extract/formats.ts";
import type { ExtractionSandbox } from "./extract/sandbox.ts";

export type Ingested = { chunks: Chunk[] } | { problem: string };

export async function ingestDocument(
  path: string,
  bytes: Uint8Array,
  options: {
    sandbox: ExtractionSandbox;
    limits: ExtractLimits;
    chunkMaxChars?: number;
    signal?: AbortSignal;
  },
): Promise<Ingested> {
  const format = formatOf(path);
  if (format === undefined) return { problem: "not a format the vault reads" };
  try {
    const parts = needsSandbox(format)
      ? await options.sandbox.extract(format, bytes, options.limits, options.signal)
      : await extractDocument(format, bytes, options.limits);
    return { chunks: chunkParts(path, parts, { maxChars: options.chunkMaxChars }) };
  } catch (error) {
    if (error instanceof DocumentProblem) return { problem: error.message };
    throw error;
  }
}
