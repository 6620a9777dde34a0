/**
 * `make bench`: Ember's figures measured side by side on this machine.
 *
 *   bun scripts/bench.ts [--quick] [--only decode,turn,ttfa,restart,startup,engine,vault,sizes]
 *                        [--out bench/results.json] [--threads N]
 *
 * Prints a Markdown table (section | figure | value | ratio | target | met) on stdout, progress on
 * stderr, and writes the figures to bench/results.json. --quick (make bench QUICK=1) uses a tiny
 * model and small sizes: the whole run takes under two minutes. Exits 1 when a section failed, not
 * when a target was missed. Each section runs in a process of its own (scripts/bench/worker.ts), so
 * a crash or a hang costs that section alone. What each figure means: docs/PERFORMANCE.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type BenchReport, runSections, writeReport } from "./bench/harness.ts";
import { killWorkers } from "./bench/isolate.ts";
import { machineInfo, versions } from "./bench/machine.ts";
import {
  isSectionName,
  MODEL_SECTIONS,
  SECTION_NAMES,
  type SectionName,
  sectionEntries,
} from "./bench/sections.ts";
import { benchSettings, DEFAULT_THREADS, prepareModel } from "./bench/settings.ts";
import { round } from "./bench/stats.ts";
import { renderTable } from "./bench/table.ts";
import type { BenchContext } from "./bench/types.ts";

const ROOT = resolve(import.meta.dir, "..");
/** A section still running after this long is stopped and reported as failed (a hang, not a slow run). */
const SECTION_TIMEOUT_MS = { full: 20 * 60_000, quick: 5 * 60_000 };

class UsageError extends Error {}

interface Options {
  quick: boolean;
  only: SectionName[];
  out: string;
  threads: number;
}

function parseOptions(args: string[]): Options {
  let values: { quick?: boolean; only?: string; out?: string; threads?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        only: { type: "string" },
        out: { type: "string" },
        threads: { type: "string" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const only = values.only === undefined ? [...SECTION_NAMES] : values.only.split(",").map((s) => s.trim());
  for (const name of only) {
    if (!isSectionName(name))
      throw new UsageError(`--only: unknown section "${name}" (one of ${SECTION_NAMES.join(", ")})`);
  }
  const threads = values.threads === undefined ? DEFAULT_THREADS : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UsageError(`--threads ${values.threads}: expected a whole number of threads, 1 or more`);
  }
  return {
    quick: values.quick === true,
    // In the table's order whatever order they were named in.
    only: SECTION_NAMES.filter((name) => only.includes(name)),
    out: resolve(values.out ?? join(ROOT, "bench", "results.json")),
    threads,
  };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const started = performance.now();
  const settings = benchSettings({ quick: options.quick, threads: options.threads, root: ROOT });
  if (options.only.some((name) => MODEL_SECTIONS.has(name))) {
    log(`model ${settings.model.path}`);
    log(`model ${prepareModel(settings)}`);
  }
  const workDir = mkdtempSync(join(tmpdir(), "ember-bench-"));
  const ctx: BenchContext = { settings, root: ROOT, workDir, log };
  // The scratch folder holds hundreds of megabytes of binaries: Ctrl-C must not leave it behind.
  const interrupted = () => {
    killWorkers();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const timeoutMs = options.quick ? SECTION_TIMEOUT_MS.quick : SECTION_TIMEOUT_MS.full;
    const run = await runSections(sectionEntries(options.only, timeoutMs), ctx);
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      versions: versions(ROOT),
      settings,
      results: run.results,
      seconds: { ...run.seconds, total: round((performance.now() - started) / 1000, 1) },
    };
    writeReport(options.out, report);
    process.stdout.write(renderTable(run.rows));
    log(`wrote ${options.out} in ${report.seconds.total} s`);
    if (run.failed.length > 0) log(`failed: ${run.failed.join(", ")}`);
    return run.failed.length > 0 ? 1 : 0;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
