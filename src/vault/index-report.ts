/**
 * What `ember index` shows: one progress line while it works (files done of the total, the rate,
 * the file being read) and the summary when it is done (added, updated, removed, unchanged, and
 * the first 20 skipped files with their reasons, then a count of the rest). Pure formatting; the command decides where it goes. File
 * names and reasons come from the vault, so they are sanitized here.
 */

import { capProblemLines } from "../config/problem-list.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import type { UpdateProgress, UpdateResult } from "./index.ts";

/** `indexing 12/40 files · 3.1 files/s · docs/manuals/radio.pdf`, cut to `columns`. */
export function renderIndexProgress(progress: UpdateProgress, elapsedMs: number, columns: number): string {
  if (progress.phase === "write")
    return fit(`indexing ${progress.total} changes · writing the index`, columns);
  const rate = elapsedMs > 0 ? (progress.done * 1000) / elapsedMs : 0;
  const head = `indexing ${progress.done}/${progress.total} files · ${formatRate(rate)} files/s`;
  const path = progress.path === undefined ? "" : ` · ${sanitizeLine(progress.path)}`;
  return fit(head + path, columns);
}

export function renderIndexSummary(vaultDir: string, result: UpdateResult): string[] {
  const counts = [
    `${result.added} added`,
    `${result.updated} updated`,
    `${result.removed} removed`,
    `${result.unchanged} unchanged`,
    `${result.skipped.length} skipped`,
  ].join(", ");
  return [
    `indexed ${sanitizeLine(vaultDir)}: ${result.scanned} files (${counts}), ${result.chunks} chunks, ${result.ms} ms`,
    // The first 20 (the count above has them all; --json lists every one).
    ...capProblemLines(
      result.skipped.map((s) => `skipped ${sanitizeLine(s.path)}: ${sanitizeLine(s.reason)}`),
    ),
    ...result.warnings.map((w) => `warning: ${sanitizeLine(w)}`),
  ];
}

function formatRate(rate: number): string {
  return rate >= 10 ? String(Math.round(rate)) : rate.toFixed(1);
}

/** Cut to the terminal's width, keeping the end of a long path (the file name) visible. */
function fit(line: string, columns: number): string {
  if (columns <= 0 || Bun.stringWidth(line) <= columns) return line;
  const keep = Math.max(0, columns - 1);
  let tail = line;
  while (tail.length > 0 && Bun.stringWidth(tail) > keep) tail = tail.slice(1);
  return `…${tail}`;
}
