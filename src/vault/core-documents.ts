/**
 * The core documents (README.md, AGENTS.md, docs/ROADMAP.md) as they open every prompt: the part of
 * the grounding that depends only on the files and the budget, never on the question, so that it
 * is evaluated once per conversation (and saved with the static prefix).
 */
import { join } from "node:path";
import { readFileInside } from "../fs/safe-open.ts";
import { renderExcerptBlock, windowId } from "./excerpt.ts";
import { DEFAULT_MAX_FILE_BYTES } from "./index.ts";
import { CORE_DOCUMENTS } from "./scan.ts";
import { type CountTokens, largestFitting } from "./tokens.ts";

export const TRIM_MARKER = "[…]";
const BLOCK_SEPARATOR = "\n\n";

export interface SourceDocument {
  path: string;
  text: string;
}

export interface CoreDocuments {
  /** The documents as they appear in the prompt; "" when there are none. */
  text: string;
  /** One window id per document kept (its leading lines): excerpts inside them are already there. */
  ids: string[];
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

/**
 * The documents within `budgetTokens` (counted as the whole text): each is cut to its leading lines
 * when needed, and the budget is shared so that one long document cannot starve the others.
 */
export function renderCoreDocuments(
  docs: readonly SourceDocument[],
  budgetTokens: number,
  count: CountTokens,
): CoreDocuments {
  const budget = Math.max(0, Math.floor(budgetTokens));
  const blocks: string[] = [];
  const ids: string[] = [];
  const allowances = shareOut(
    budget,
    // Each wants its block and the separator before the next one.
    docs.map((d) => count(block(d.path, d.text, d.text.split("\n").length) + BLOCK_SEPARATOR)),
  );
  let limit = 0;
  for (const [i, doc] of docs.entries()) {
    limit += allowances[i]!;
    const lines = doc.text.split("\n");
    const fitting = largestFitting(
      lines.length,
      (k) => count([...blocks, block(doc.path, trimmedText(lines, k), k)].join(BLOCK_SEPARATOR)) <= limit,
    );
    // A prefix of only blank lines grounds nothing.
    const kept = lines.slice(0, fitting).some((l) => l.trim() !== "") ? fitting : 0;
    if (kept === 0) continue;
    blocks.push(block(doc.path, trimmedText(lines, kept), kept));
    ids.push(windowId({ file: doc.path, lines: [1, kept], heading: "" }, lines.slice(0, kept).join("\n")));
  }
  return { text: blocks.join(BLOCK_SEPARATOR), ids };
}

function block(path: string, text: string, lastLine: number): string {
  return renderExcerptBlock({ file: path, lines: [1, lastLine], heading: "" }, text);
}

/** The first `kept` lines, marked when something was cut. */
function trimmedText(lines: readonly string[], kept: number): string {
  const head = lines.slice(0, kept).join("\n").trimEnd();
  return kept < lines.length ? `${head}\n${TRIM_MARKER}` : head;
}

/**
 * Splits `total` among items wanting `wants[i]`: small items get all they want, the rest share what
 * remains equally (water-filling).
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
