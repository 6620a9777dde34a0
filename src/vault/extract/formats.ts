/**
 * Which files the vault reads and how: the format each extension means, the size a file of that
 * format may have before it is even opened, and the limits its parser runs under.
 */
import { extname } from "node:path";
import { DocumentProblem, type ExtractedPart } from "./document.ts";
import { extractEpub } from "./epub.ts";
import { extractHtml } from "./html.ts";
import { extractMarkdown, extractPlainText } from "./markdown.ts";
import { extractPdf } from "./pdf.ts";

export type DocumentFormat = "markdown" | "text" | "pdf" | "html" | "epub";

const FORMAT_OF_EXTENSION: Readonly<Record<string, DocumentFormat>> = {
  ".md": "markdown",
  ".markdown": "markdown",
  ".txt": "text",
  ".pdf": "pdf",
  ".html": "html",
  ".htm": "html",
  ".xhtml": "html",
  ".epub": "epub",
};

export const INDEXED_EXTENSIONS: readonly string[] = Object.keys(FORMAT_OF_EXTENSION);

const MiB = 1024 * 1024;

export interface ExtractLimits {
  /** Files of a text format (Markdown, text, HTML) above this size are not read. Default 8 MiB. */
  maxTextFileBytes: number;
  /** PDF and EPUB files above this size are not read (they carry images beside their text). Default 64 MiB. */
  maxBinaryFileBytes: number;
  /** Most bytes an EPUB's entries may unpack to. Default 64 MiB. */
  maxUnpackedBytes: number;
  /** Most characters of text one document may give. Default 16 Mi. */
  maxChars: number;
  /** Longest a PDF, HTML or EPUB file may take to parse. Default 60 s (a Pi reads a long manual). */
  timeoutMs: number;
  /** Most the process may grow while a file is parsed. Default 512 MiB. */
  maxMemoryGrowthBytes: number;
}

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = {
  maxTextFileBytes: 8 * MiB,
  maxBinaryFileBytes: 64 * MiB,
  maxUnpackedBytes: 64 * MiB,
  maxChars: 16 * MiB,
  timeoutMs: 60_000,
  maxMemoryGrowthBytes: 512 * MiB,
};

export function formatOf(path: string): DocumentFormat | undefined {
  return FORMAT_OF_EXTENSION[extname(path).toLowerCase()];
}

export function isIndexedName(name: string): boolean {
  return formatOf(name) !== undefined;
}

export function maxFileBytes(format: DocumentFormat, limits: ExtractLimits): number {
  return format === "pdf" || format === "epub" ? limits.maxBinaryFileBytes : limits.maxTextFileBytes;
}

/**
 * Formats whose parser is a library we did not write: they run in the extraction worker, under a
 * time and memory limit. Markdown and text are read by our own linear code, in place.
 */
export function needsSandbox(format: DocumentFormat): boolean {
  return format === "pdf" || format === "html" || format === "epub";
}

export async function extractDocument(
  format: DocumentFormat,
  bytes: Uint8Array,
  limits: ExtractLimits,
): Promise<ExtractedPart[]> {
  switch (format) {
    case "markdown":
      return [extractMarkdown(decodeUtf8(bytes))];
    case "text":
      return [extractPlainText(decodeUtf8(bytes))];
    case "html":
      return [{ lines: extractHtml(decodeHtml(bytes)) }];
    case "pdf":
      return extractPdf(bytes, limits);
    case "epub":
      return extractEpub(bytes, limits);
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DocumentProblem("not valid UTF-8");
  }
}

/** A saved page declares its encoding (BOM, or a meta charset near the top); UTF-8 otherwise. */
function decodeHtml(bytes: Uint8Array): string {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  const declared = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
  try {
    return new TextDecoder((declared ?? "utf-8") as "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}
