import type { Style } from "../terminal/style.ts";
import { DEFAULT_SEARCH_LIMIT, openVaultIndex, type SearchHit, searchIndex } from "../vault/index.ts";
import type { SlashCommand } from "./types.ts";
import { UsageError } from "./types.ts";

/** Search hits as the terminal shows them: file, line and heading, score, then the excerpt. */
export function renderSearchHits(hits: readonly SearchHit[], style: Style): string[] {
  const lines: string[] = [];
  for (const hit of hits) {
    const where = `${hit.path}:${hit.lineStart}`;
    const heading = hit.heading === "" ? "" : ` ${style.bold(hit.heading)}`;
    lines.push(`${style.cyan(where)}${heading} ${style.dim(`(score ${Number(hit.score.toPrecision(3))})`)}`);
    for (const line of hit.excerpt.split("\n")) lines.push(`    ${line}`);
  }
  return lines;
}

/** Matched words in bold on a terminal, unmarked otherwise (pipes, the planner). */
export function highlightFor(style: Style): readonly [string, string] {
  return style.enabled ? ["\x1b[1m", "\x1b[22m"] : ["", ""];
}

export function searchVault(
  vaultDir: string,
  query: string,
  limit = DEFAULT_SEARCH_LIMIT,
  highlight: readonly [string, string] = ["", ""],
): SearchHit[] {
  const index = openVaultIndex(vaultDir);
  try {
    return searchIndex(index, query, { limit, highlight });
  } finally {
    index.close();
  }
}

export const searchCommand: SlashCommand = {
  name: "search",
  summary: "search the vault's documents (best excerpts with file, heading and score)",
  usage: "/search QUERY",
  plannerAllowed: true,
  requiresReady: false,
  run(_args, { app, out, style, rest }) {
    const query = rest.trim();
    if (query === "") throw new UsageError("what should I search for?");
    const hits = searchVault(app.settings.vaultDir, query, DEFAULT_SEARCH_LIMIT, highlightFor(style));
    if (hits.length === 0) {
      out.line(
        style.dim(`nothing in the vault matches "${query}" (ember index brings the index up to date)`),
      );
      return;
    }
    for (const line of renderSearchHits(hits, style)) out.line(line);
  },
};
