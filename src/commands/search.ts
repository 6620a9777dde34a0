import { sanitizeLine, sanitizeText } from "../terminal/sanitize.ts";
import type { Style } from "../terminal/style.ts";
import { DEFAULT_SEARCH_LIMIT, type SearchHit } from "../vault/index.ts";
import { formatSource, locationOf } from "../vault/location.ts";
import { searchVault } from "../vault/search.ts";
import type { SlashCommand } from "./types.ts";
import { UsageError } from "./types.ts";

/**
 * Search hits as the terminal shows them: the source (`manuals/radio.pdf p. 14 · Antenna tuning`,
 * `docs/wifi.md:3 · Wifi`), the score, then the excerpt. Names and text come from the vault, so
 * they are sanitized; matched words (MATCH_MARKS) turn bold only after that.
 */
export function renderSearchHits(hits: readonly SearchHit[], style: Style): string[] {
  const lines: string[] = [];
  for (const hit of hits) {
    const source = sanitizeLine(hitSource(hit));
    lines.push(`${style.cyan(source)} ${style.dim(`(score ${Number(hit.score.toPrecision(3))})`)}`);
    for (const line of showMatches(sanitizeText(hit.excerpt), style).split("\n")) lines.push(`    ${line}`);
  }
  return lines;
}

/** One hit's source, in the words every other place uses (src/vault/location.ts). */
export function hitSource(hit: SearchHit): string {
  return formatSource(locationOf(hit));
}

/**
 * Private-use characters around matched words: they survive sanitizing (they are not control
 * characters) and become bold on a terminal, nothing elsewhere, only once the text is safe.
 */
export const MATCH_MARKS: readonly [string, string] = ["\uE010", "\uE011"];

function showMatches(text: string, style: Style): string {
  const [open, close] = style.enabled ? ["\x1b[1m", "\x1b[22m"] : ["", ""];
  return text.replaceAll(MATCH_MARKS[0], open).replaceAll(MATCH_MARKS[1], close);
}

export const searchCommand: SlashCommand = {
  name: "search",
  summary: "search the vault's documents (best excerpts with file, heading and score)",
  usage: "/search QUERY",
  plannerAllowed: true,
  requiresReady: false,
  run(_args, { host, out, style, rest }) {
    const query = rest.trim();
    if (query === "") throw new UsageError("what should I search for?");
    const hits = searchVault(host.settings.vaultDir, query, DEFAULT_SEARCH_LIMIT, MATCH_MARKS);
    if (hits.length === 0) {
      out.line(
        style.dim(
          `nothing in the vault matches "${sanitizeLine(query)}" (ember index brings the index up to date)`,
        ),
      );
      return;
    }
    for (const line of renderSearchHits(hits, style)) out.line(line);
  },
};
