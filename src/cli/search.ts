import { defineCommand } from "citty";
import { hitSource, MATCH_MARKS, renderSearchHits } from "../commands/search.ts";
import { loadConfig } from "../config/load.ts";
import { engineWanted, findEngine } from "../engine/auto-start.ts";
import type { EngineClient } from "../engine/client.ts";
import { sanitizeLine, terminalJson } from "../terminal/sanitize.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";
import {
  DEFAULT_SEARCH_LIMIT,
  openVaultIndex,
  type SearchHit,
  searchIndex,
  type VaultIndex,
} from "../vault/index.ts";
import { CliUsageError } from "./usage-error.ts";

export default defineCommand({
  meta: {
    name: "search",
    description: "search the vault (updating the index first) and print the best excerpts",
  },
  args: {
    query: { type: "positional", required: true, description: "words to look for" },
    json: { type: "boolean", default: false, description: "print the hits as JSON" },
    limit: { type: "string", description: `how many hits (default ${DEFAULT_SEARCH_LIMIT})` },
  },
  async run({ args }) {
    const query = args._.join(" ").trim() || String(args.query);
    const limit = args.limit === undefined ? DEFAULT_SEARCH_LIMIT : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new CliUsageError(`--limit ${args.limit}: expected a whole number of hits`);
    }
    const { vaultDir } = loadConfig();
    let index: VaultIndex | undefined;
    try {
      const style = createStyle(colorWanted(process.stdout));
      const engine = engineWanted(process.env) ? await findEngine(vaultDir) : undefined;
      let hits: SearchHit[];
      if (engine) hits = await searchThroughEngine(engine, query, limit, !args.json);
      else {
        // One index for the update and the search: on a read-only vault it lives in memory only.
        index = openVaultIndex(vaultDir);
        await index.update();
        hits = searchIndex(index, query, { limit, highlight: args.json ? ["", ""] : MATCH_MARKS });
      }
      if (args.json) {
        // lineMatches is the index's note for grounding, not part of what a hit says.
        const located = hits.map((hit) => {
          const { lineMatches: _, ...shown } = hit;
          return { source: hitSource(hit), ...shown };
        });
        process.stdout.write(`${terminalJson({ query, hits: located })}\n`);
        return;
      }
      if (hits.length === 0) console.log(sanitizeLine(`nothing in ${vaultDir} matches "${query}"`));
      for (const line of renderSearchHits(hits, style)) console.log(line);
    } catch (error) {
      process.stderr.write(`ember search: ${sanitizeLine((error as Error).message)}\n`);
      process.exitCode = 1;
    } finally {
      index?.close();
    }
  },
});

/** The engine keeps the index: it brings it up to date, then searches it. */
async function searchThroughEngine(
  engine: EngineClient,
  query: string,
  limit: number,
  marks: boolean,
): Promise<SearchHit[]> {
  await engine.post("/v1/index");
  const params = new URLSearchParams({ q: query, limit: String(limit), marks: marks ? "1" : "0" });
  return (await engine.get<{ hits: SearchHit[] }>(`/v1/search?${params}`)).hits;
}
