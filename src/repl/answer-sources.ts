/**
 * The sources of an answer as the REPL shows them after it, dimmed, so the operator can open the
 * page the answer came from:
 *
 *   sources: docs/radio/antenna.md:12 · Antenna setup
 *            manuals/radio.pdf p. 14 · Antenna tuning
 */
import { sanitizeLine } from "../terminal/sanitize.ts";
import type { Style } from "../terminal/style.ts";
import { formatSource, type SourceLocation } from "../vault/location.ts";

/** Enough to find the answer's pages; a long conversation may hold many more relevant ones. */
export const MAX_SOURCES_SHOWN = 5;

const LABEL = "sources: ";

/** Best first, each place once; [] when the answer had no vault source. */
export function renderAnswerSources(
  sources: readonly (SourceLocation & { score: number })[],
  style: Style,
): string[] {
  const places = [...sources]
    .sort((a, b) => b.score - a.score)
    // File names and headings come from the vault: shown, never obeyed, by the terminal.
    .map((s) => sanitizeLine(formatSource(s)));
  return [...new Set(places)]
    .slice(0, MAX_SOURCES_SHOWN)
    .map((place, i) => style.dim(`${i === 0 ? LABEL : " ".repeat(LABEL.length)}${place}`));
}
