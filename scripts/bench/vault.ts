/**
 * Vault: two generated vaults (scripts/make-vault.ts) indexed through the same code `ember index`
 * and `/search` run (src/vault/index.ts): Markdown pages, and a mixed vault of 10-page PDF
 * manuals, saved HTML pages and EPUB books read through their parsers in the extraction worker.
 * For each: the full index, query latency over many queries, and the incremental re-index after a
 * few files change, against the full index.
 */
import { appendFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SEARCH_LIMIT, INDEX_FILE, openVaultIndex, updateIndex } from "../../src/vault/index.ts";
import { mulberry32 } from "../lib/mulberry32.ts";
import { makeWriter, VOCABULARY } from "../lib/vault-writer.ts";
import { PDF_PAGES } from "../make-vault.ts";
import { formatCount, formatMiB, formatMs } from "./format.ts";
import { median, percentile, round } from "./stats.ts";
import type { BenchContext, Section, TableRow } from "./types.ts";

const SEED = 1;

interface VaultShape {
  /** How the table names this vault. */
  label: string;
  /** scripts/make-vault.ts's counts. */
  args: string[];
  /** The files a change is made to (documents under docs/, not the core documents). */
  changeable: (path: string) => boolean;
  /** Changes one file's content (round `round`, `n`th change of it). */
  change: (path: string, round: number, n: number, random: () => number) => void;
}

export const vault: Section = async (ctx) => {
  const { vaultFiles, mixedPdfs, mixedHtml, mixedEpubs } = ctx.settings.sizes;
  const markdown = await measureVault(ctx, "vault", {
    label: "",
    args: ["--files", String(vaultFiles)],
    changeable: (path) => path.endsWith(".md"),
    change: (path, round, _n, random) =>
      appendFileSync(
        path,
        `\n\nRevision ${round}: ${pick(VOCABULARY, random)} ${pick(VOCABULARY, random)}.\n`,
      ),
  });
  const mixed = await measureVault(ctx, "mixed", {
    label: `mixed (${formatCount(mixedPdfs)} PDFs of ${PDF_PAGES} pages, ${formatCount(mixedHtml)} HTML, ${formatCount(mixedEpubs)} EPUB): `,
    args: [
      "--files",
      "0",
      "--pdfs",
      String(mixedPdfs),
      "--html",
      String(mixedHtml),
      "--epubs",
      String(mixedEpubs),
    ],
    // The changes fall on PDFs, the format that costs most to read again.
    changeable: (path) => path.endsWith(".pdf"),
    change: (path, round, n) =>
      writeFileSync(path, makeWriter(SEED + 7919 * (round + 1) + n).pdfManual(n, PDF_PAGES)),
  });
  return {
    result: {
      ...markdown.result,
      mixed: { pdfs: mixedPdfs, html: mixedHtml, epubs: mixedEpubs, ...mixed.result },
    },
    rows: [...markdown.rows, ...mixed.rows],
  };
};

async function measureVault(
  ctx: BenchContext,
  name: string,
  shape: VaultShape,
): Promise<{ result: Record<string, unknown>; rows: TableRow[] }> {
  const { vaultQueries, vaultChanges } = ctx.settings.sizes;
  const reps = ctx.settings.repetitions;
  const dir = join(ctx.workDir, name);
  ctx.log(`${name}: generating (${shape.args.join(" ")})`);
  await makeVault(ctx.root, dir, shape.args);
  const docs = documents(dir);
  const bytes = docs.reduce((sum, path) => sum + statSync(path).size, 0);

  const fullMs: number[] = [];
  let chunks = 0;
  for (let i = 0; i < reps; i++) {
    ctx.log(`${name}: full index ${i + 1}/${reps}`);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dir, INDEX_FILE + suffix), { force: true });
    const started = performance.now();
    const result = await updateIndex(dir);
    fullMs.push(performance.now() - started);
    if (result.added !== docs.length || result.skipped.length > 0) {
      const first = result.skipped[0];
      throw new Error(
        `full index took ${result.added} of ${docs.length} files` +
          (first ? ` (${result.skipped.length} skipped, first ${first.path}: ${first.reason})` : ""),
      );
    }
    chunks = result.chunks;
  }

  ctx.log(`${name}: ${vaultQueries} queries`);
  const random = mulberry32(SEED);
  const queryMs: number[] = [];
  let withHits = 0;
  const index = openVaultIndex(dir);
  try {
    for (let i = 0; i < vaultQueries; i++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(VOCABULARY, random));
      const started = performance.now();
      const hits = index.search(words.join(" "), { limit: DEFAULT_SEARCH_LIMIT });
      queryMs.push(performance.now() - started);
      if (hits.length > 0) withHits++;
    }
  } finally {
    index.close();
  }

  const incrementalMs: number[] = [];
  const changeable = docs.filter(shape.changeable);
  for (let i = 0; i < reps; i++) {
    ctx.log(`${name}: re-index after ${vaultChanges} changes ${i + 1}/${reps}`);
    for (const [n, path] of changedFiles(changeable, vaultChanges, i).entries())
      shape.change(path, i, n, random);
    const started = performance.now();
    const result = await updateIndex(dir);
    incrementalMs.push(performance.now() - started);
    if (result.updated !== vaultChanges || result.added + result.removed !== 0) {
      throw new Error(`re-index saw ${result.updated} updated files, expected ${vaultChanges}`);
    }
  }
  ctx.log(`${name}: re-index with nothing changed`);
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
      figure: `${shape.label}full index, ${formatCount(docs.length)} files (${formatMiB(bytes)}, ${formatCount(chunks)} chunks), median of ${reps}`,
      value: formatMs(full),
    },
    {
      section: "vault",
      figure: `${shape.label}query p50 / p95 over ${vaultQueries} queries`,
      value: `${formatMs(p50)} / ${formatMs(p95)} (${withHits} with hits)`,
    },
    {
      section: "vault",
      figure: `${shape.label}re-index after ${vaultChanges} files change, vs full index`,
      value: `${formatMs(incremental)} vs ${formatMs(full)} (nothing changed: ${formatMs(unchangedMs)})`,
      ratio: incremental / full,
    },
  ];
  return { result, rows };
}

async function makeVault(root: string, dir: string, args: readonly string[]): Promise<void> {
  const proc = Bun.spawn(
    [process.execPath, join(root, "scripts", "make-vault.ts"), dir, ...args, "--seed", String(SEED)],
    { stdout: "ignore", stderr: "pipe" },
  );
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`make-vault failed: ${stderr.trim() || `exit code ${code}`}`);
}

/** Every document the index reads in the vault (core documents included), sorted, as absolute paths. */
function documents(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(md|pdf|html|epub)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** `count` files spread evenly over `files`, a different set for each round. */
function changedFiles(files: readonly string[], count: number, round: number): string[] {
  if (count > files.length) throw new Error(`cannot change ${count} of ${files.length} files`);
  const stride = files.length / count;
  return Array.from({ length: count }, (_, i) => files[(Math.floor(i * stride) + round) % files.length]!);
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}
