/**
 * Ctrl-R: incremental reverse search of the history, as readline does it. Pure: each key is a
 * function from one search to the next; the editor draws `searchPrompt` and the match.
 *
 * The search starts at the newest entry; typing narrows it (the match stays if it still
 * matches, else the next older one that does); Ctrl-R again goes to the next older entry that
 * matches (a repeat of the same text is skipped); Backspace widens it again from the newest.
 */

export interface HistorySearch {
  readonly query: string;
  /** The history index of the entry shown, or -1 when nothing matches (yet). */
  readonly match: number;
  /** The query matches nothing older: readline's "failed reverse-i-search". */
  readonly failed: boolean;
}

export function startSearch(): HistorySearch {
  return { query: "", match: -1, failed: false };
}

/** Typed text extends the query; the search goes on from the entry shown. */
export function searchType(search: HistorySearch, history: readonly string[], text: string): HistorySearch {
  const query = search.query + text;
  const from = search.match === -1 ? history.length - 1 : search.match;
  return find(history, query, from, undefined) ?? { ...search, query, failed: true };
}

/** Ctrl-R again: the next older entry that matches (with an empty query, the last one searched). */
export function searchOlder(search: HistorySearch, history: readonly string[]): HistorySearch {
  if (search.match === -1)
    return find(history, search.query, history.length - 1, undefined) ?? { ...search, failed: true };
  const current = history[search.match];
  return find(history, search.query, search.match - 1, current) ?? { ...search, failed: true };
}

/** Backspace: one character less of the query, searched again from the newest entry. */
export function searchBackspace(search: HistorySearch, history: readonly string[]): HistorySearch {
  const query = [...search.query].slice(0, -1).join("");
  if (query === "") return startSearch();
  return find(history, query, history.length - 1, undefined) ?? { query, match: -1, failed: true };
}

/** The entry shown, and where in it the query was found (the cursor goes there). */
export function searchResult(
  search: HistorySearch,
  history: readonly string[],
): { text: string; cursor: number } | undefined {
  const text = search.match === -1 ? undefined : history[search.match];
  if (text === undefined) return undefined;
  return { text, cursor: Math.max(0, text.lastIndexOf(search.query)) };
}

/** What the prompt becomes while searching. */
export function searchPrompt(search: HistorySearch): string {
  return `(${search.failed ? "failed " : ""}reverse-i-search)'${search.query}': `;
}

function find(
  history: readonly string[],
  query: string,
  from: number,
  skip: string | undefined,
): HistorySearch | undefined {
  for (let i = Math.min(from, history.length - 1); i >= 0; i--) {
    const entry = history[i]!;
    if (entry !== skip && entry.includes(query)) return { query, match: i, failed: false };
  }
  return undefined;
}
