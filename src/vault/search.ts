import { DEFAULT_SEARCH_LIMIT, openVaultIndex, type SearchHit, searchIndex } from "./index.ts";

/**
 * One search of a vault's index, opened and closed around it: what `/search`, `ember search` and
 * the engine's search endpoint run. `highlight` wraps each matched word.
 */
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
