/**
 * Vault: a generated vault (scripts/make-vault.ts) indexed through the same code `ember index` and
 * `/search` run (src/vault/index.ts): the full index, query latency over many queries, and the
 * incremental re-index after a few files change, against the full index.
 */
import { appendFileSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SEARCH_LIMIT, INDEX_FILE, openVaultIndex, updateIndex } from "../../src/vault/index.ts";
import { mulberry32 } from "../lib/mulberry32.ts";
import { formatCount, formatMiB, formatMs } from "./format.ts";
import { median, percentile, round } from "./stats.ts";
import type { Section, TableRow } from "./types.ts";

/** Pages read to learn the vault's vocabulary, spread over the whole vault. */
const VOCABULARY_PAGES = 50;
const SEED = 1;

export const vault: Section = async (ctx) => {
  const { vaultFiles, vaultQueries, vaultChanges } = ctx.settings.sizes;
  const reps = ctx.settings.repetitions;
  const dir = join(ctx.workDir, "vault");
  ctx.log(`vault: generating ${formatCount(vaultFiles)} files`);
  await makeVault(ctx.root, dir, vaultFiles);
  const docs = markdownFiles(dir);
  const bytes = docs.reduce((sum, path) => sum + statSync(path).size, 0);

  const fullMs: number[] = [];
  let chunks = 0;
  for (let i = 0; i < reps; i++) {
    ctx.log(`vault: full index ${i + 1}/${reps}`);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dir, INDEX_FILE + suffix), { force: true });
    const started = performance.now();
    const result = await updateIndex(dir);
    fullMs.push(performance.now() - started);
    if (result.added !== docs.length || result.skipped.length > 0) {
      throw new Error(
        `full index took ${result.added} of ${docs.length} files (${result.skipped.length} skipped)`,
      );
    }
    chunks = result.chunks;
  }

  ctx.log(`vault: ${vaultQueries} queries`);
  const random = mulberry32(SEED);
  const vocabulary = vaultVocabulary(docs);
  const queryMs: number[] = [];
  let withHits = 0;
  const index = openVaultIndex(dir);
  try {
    for (let i = 0; i < vaultQueries; i++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(vocabulary, random));
      const started = performance.now();
      const hits = index.search(words.join(" "), { limit: DEFAULT_SEARCH_LIMIT });
      queryMs.push(performance.now() - started);
      if (hits.length > 0) withHits++;
    }
  } finally {
    index.close();
  }

  const incrementalMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    ctx.log(`vault: re-index after ${vaultChanges} changes ${i + 1}/${reps}`);
    for (const path of changedFiles(docs, vaultChanges, i)) {
      appendFileSync(path, `\n\nRevision ${i}: ${pick(vocabulary, random)} ${pick(vocabulary, random)}.\n`);
    }
    const started = performance.now();
    const result = await updateIndex(dir);
    incrementalMs.push(performance.now() - started);
    if (result.updated !== vaultChanges || result.added + result.removed !== 0) {
      throw new Error(`re-index saw ${result.updated} updated files, expected ${vaultChanges}`);
    }
  }
  ctx.log("vault: re-index with nothing changed");
  const unchangedStarted = performance.now();
  const unchanged = await updateIndex(dir);
  const unchangedMs = performance.now() - unchangedStarted;
  if (unchanged.unchanged !== docs.length) throw new Error("a re-index with nothing changed found changes");

  const full = median(fullMs);
  const incremental = median(incrementalMs);
  const [p50, p95] = [percentile(queryMs, 50), percentile(queryMs, 95)];
  const result = {
    files: docs.length,
    bytes,
    chunks,
    fullIndexMs: { median: round(full, 1), runs: fullMs.map((ms) => round(ms, 1)) },
    query: {
      count: vaultQueries,
      withHits,
      p50Ms: round(p50, 3),
      p95Ms: round(p95, 3),
      maxMs: round(Math.max(...queryMs), 3),
    },
    incremental: {
      changes: vaultChanges,
      median: round(incremental, 1),
      runs: incrementalMs.map((ms) => round(ms, 1)),
      ratioToFull: round(incremental / full, 3),
    },
    unchangedMs: round(unchangedMs, 1),
  };
  const rows: TableRow[] = [
    {
      section: "vault",
      figure: `full index, ${formatCount(docs.length)} files (${formatMiB(bytes)}, ${formatCount(chunks)} chunks), median of ${reps}`,
      value: formatMs(full),
    },
    {
      section: "vault",
      figure: `query p50 / p95 over ${vaultQueries} queries`,
      value: `${formatMs(p50)} / ${formatMs(p95)} (${withHits} with hits)`,
    },
    {
      section: "vault",
      figure: `re-index after ${vaultChanges} files change, vs full index`,
      value: `${formatMs(incremental)} vs ${formatMs(full)} (nothing changed: ${formatMs(unchangedMs)})`,
      ratio: incremental / full,
    },
  ];
  return { result, rows };
};

async function makeVault(root: string, dir: string, files: number): Promise<void> {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(root, "scripts", "make-vault.ts"),
      dir,
      "--files",
      String(files),
      "--seed",
      String(SEED),
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`make-vault failed: ${stderr.trim() || `exit code ${code}`}`);
}

/** Every Markdown file in the vault, sorted, as absolute paths. */
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".md"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** The words the vault is written in (four letters or more), read from pages spread across it. */
function vaultVocabulary(files: readonly string[]): string[] {
  const words = new Set<string>();
  const step = Math.max(1, Math.floor(files.length / VOCABULARY_PAGES));
  for (let i = 0; i < files.length; i += step) {
    for (const word of readFileSync(files[i]!, "utf8")
      .toLowerCase()
      .match(/[a-z]{4,}/g) ?? [])
      words.add(word);
  }
  if (words.size === 0) throw new Error("the generated vault has no words to query");
  return [...words].sort();
}

/** `count` files spread evenly over the vault, a different set for each round. */
function changedFiles(files: readonly string[], count: number, round: number): string[] {
  if (count > files.length) throw new Error(`cannot change ${count} of ${files.length} files`);
  const stride = files.length / count;
  return Array.from({ length: count }, (_, i) => files[(Math.floor(i * stride) + round) % files.length]!);
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}
