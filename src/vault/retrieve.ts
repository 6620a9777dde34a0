/**
 * Grounding for one turn: the core documents (trimmed to their share of the token budget) followed by
 * the best search excerpts that still fit, rendered as one deterministic string.
 *
 * Core documents come first and depend only on the files and the budget, never on the query, so
 * consecutive turns share that prefix and the model's KV cache can reuse it. Every block is counted
 * with the caller's tokenizer as part of the whole text, so the result never exceeds the budget.
 */
import { join } from "node:path";
import { readFileInside } from "../fs/safe-open.ts";
import { DEFAULT_MAX_FILE_BYTES, type SearchHit, type VaultIndex } from "./index.ts";
import { CORE_DOCUMENTS } from "./scan.ts";

export type CountTokens = (text: string) => number;

/** For when no model (and so no tokenizer) is loaded: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export const DEFAULT_CORE_SHARE = 0.35;
export const DEFAULT_CANDIDATES = 20;
export const TRIM_MARKER = "[…]";
const BLOCK_SEPARATOR = "\n\n";

export interface GroundingOptions {
  budgetTokens: number;
  /** The model's tokenizer; `estimateTokens` when omitted. */
  countTokens?: CountTokens;
  /** Include README.md, AGENTS.md and docs/ROADMAP.md. Default true. */
  coreDocs?: boolean;
  /** Fraction of the budget the core documents may take. Default 0.35; what they leave goes to excerpts. */
  coreShare?: number;
  /** Search hits considered for excerpts. Default 20. */
  candidates?: number;
}

export interface SourceDocument {
  path: string;
  text: string;
}

export interface GroundingCoreDoc {
  path: string;
  text: string;
  trimmed: boolean;
}

export interface GroundingExcerpt {
  path: string;
  heading: string;
  text: string;
  lineStart: number;
  lineEnd: number;
  score: number;
  trimmed: boolean;
}

export interface Grounding {
  coreDocs: GroundingCoreDoc[];
  excerpts: GroundingExcerpt[];
  text: string;
  /** countTokens(text); never above the budget. */
  tokens: number;
}

export function retrieveGrounding(index: VaultIndex, query: string, options: GroundingOptions): Grounding {
  const hits = index.search(query, { limit: options.candidates ?? DEFAULT_CANDIDATES });
  const core = (options.coreDocs ?? true) ? readCoreDocuments(index.vaultDir) : [];
  return selectGrounding(hits, core, options);
}

/**
 * The core documents present at the vault root, in CORE_DOCUMENTS order. A document that is missing,
 * unreadable, not UTF-8, oversized or a symlink out of the vault is left out: grounding must not fail.
 */
export function readCoreDocuments(vaultDir: string): SourceDocument[] {
  const docs: SourceDocument[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (const path of CORE_DOCUMENTS) {
    try {
      const bytes = readFileInside(join(vaultDir, path), {
        root: vaultDir,
        maxBytes: DEFAULT_MAX_FILE_BYTES,
      });
      const text = normalizeText(decoder.decode(bytes));
      if (text !== "") docs.push({ path, text });
    } catch {
      // Missing or unreadable: this document simply does not ground the turn.
    }
  }
  return docs;
}

function normalizeText(text: string): string {
  return (text.startsWith("\uFEFF") ? text.slice(1) : text).replace(/\r\n?/g, "\n").trimEnd();
}

/** Pure selection and rendering: same hits, documents and options give the same string. */
export function selectGrounding(
  hits: readonly SearchHit[],
  coreDocs: readonly SourceDocument[],
  options: GroundingOptions,
): Grounding {
  const count = options.countTokens ?? estimateTokens;
  const budget = Math.max(0, Math.floor(options.budgetTokens));
  const coreShare = options.coreShare ?? DEFAULT_CORE_SHARE;
  if (!(coreShare >= 0 && coreShare <= 1))
    throw new RangeError(`coreShare must be within 0..1, got ${coreShare}`);

  const blocks: string[] = [];
  const fits = (extra: string, limit: number) => count([...blocks, extra].join(BLOCK_SEPARATOR)) <= limit;

  const selectedCore: GroundingCoreDoc[] = [];
  /** For each core path, how many of its leading lines made it in; excerpts inside them are redundant. */
  const coveredLines = new Map<string, number>();
  const coreBudget = Math.floor(budget * coreShare);
  const allowances = shareOut(
    coreBudget,
    coreDocs.map((d) => count(renderBlock(d.path, d.text))),
  );
  let coreLimit = 0;
  for (const [i, doc] of coreDocs.entries()) {
    coreLimit += allowances[i]!;
    const lines = doc.text.split("\n");
    const kept = longestFittingPrefix(lines, (k) =>
      fits(renderBlock(doc.path, trimmedText(lines, k)), coreLimit),
    );
    if (kept === 0) continue;
    const text = trimmedText(lines, kept);
    blocks.push(renderBlock(doc.path, text));
    selectedCore.push({ path: doc.path, text, trimmed: kept < lines.length });
    coveredLines.set(doc.path, kept);
  }

  const excerpts: GroundingExcerpt[] = [];
  for (const hit of hits) {
    const covered = coveredLines.get(hit.path);
    if (covered !== undefined && hit.lineEnd <= covered) continue;
    const title = hit.heading === "" ? hit.path : `${hit.path} > ${hit.heading}`;
    const lines = hit.text.split("\n");
    const kept = longestFittingPrefix(lines, (k) => fits(renderBlock(title, trimmedText(lines, k)), budget));
    if (kept === 0) continue;
    const text = trimmedText(lines, kept);
    blocks.push(renderBlock(title, text));
    excerpts.push({
      path: hit.path,
      heading: hit.heading,
      text,
      lineStart: hit.lineStart,
      lineEnd: kept < lines.length ? Math.min(hit.lineEnd, hit.lineStart + kept - 1) : hit.lineEnd,
      score: hit.score,
      trimmed: kept < lines.length,
    });
  }

  const text = blocks.join(BLOCK_SEPARATOR);
  return { coreDocs: selectedCore, excerpts, text, tokens: count(text) };
}

function renderBlock(title: string, text: string): string {
  return `[${title}]\n${text}`;
}

/** The first `kept` lines, marked when something was cut. */
function trimmedText(lines: readonly string[], kept: number): string {
  const head = lines.slice(0, kept).join("\n").trimEnd();
  return kept < lines.length ? `${head}\n${TRIM_MARKER}` : head;
}

/**
 * The largest k in 0..lines.length with fitsWith(k) true, assuming fitting is monotone in k; the
 * whole text is tried first since it usually fits. Binary search keeps tokenizer calls logarithmic.
 */
function longestFittingPrefix(lines: readonly string[], fitsWith: (k: number) => boolean): number {
  if (fitsWith(lines.length)) return lines.length;
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fitsWith(mid)) lo = mid;
    else hi = mid - 1;
  }
  // A prefix of only blank lines grounds nothing.
  return lines.slice(0, lo).some((l) => l.trim() !== "") ? lo : 0;
}

/**
 * Splits `total` among items wanting `wants[i]`: small items get all they want, the rest share what
 * remains equally (water-filling), so one long document cannot starve the others.
 */
function shareOut(total: number, wants: readonly number[]): number[] {
  const given = wants.map(() => 0);
  const order = wants.map((_, i) => i).sort((a, b) => wants[a]! - wants[b]! || a - b);
  let left = total;
  for (const [n, i] of order.entries()) {
    const share = Math.floor(left / (order.length - n));
    given[i] = Math.min(wants[i]!, share);
    left -= given[i]!;
  }
  return given;
}
