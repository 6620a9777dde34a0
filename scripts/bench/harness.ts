/**
 * Runs benchmark sections one after another (they share the cores, so never two at once). A section
 * that throws, or cannot even be loaded, becomes a failed row and an `{error}` result; the others
 * still run.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../src/fs/atomic-write.ts";
import type { MachineInfo, Versions } from "./machine.ts";
import { round } from "./stats.ts";
import type { BenchContext, BenchSettings, Section, TableRow } from "./types.ts";

export interface SectionEntry {
  name: string;
  /** Loaded only when the section runs, so a broken section cannot stop the others from loading. */
  load(): Promise<Section>;
}

export interface SectionsRun {
  results: Record<string, Record<string, unknown>>;
  rows: TableRow[];
  /** Names of the sections that failed. */
  failed: string[];
  /** Wall-clock seconds each section took. */
  seconds: Record<string, number>;
}

export async function runSections(entries: readonly SectionEntry[], ctx: BenchContext): Promise<SectionsRun> {
  const run: SectionsRun = { results: {}, rows: [], failed: [], seconds: {} };
  for (const { name, load } of entries) {
    ctx.log(`${name}: running`);
    const started = performance.now();
    try {
      const outcome = await (await load())(ctx);
      run.results[name] = outcome.result;
      run.rows.push(...outcome.rows);
      ctx.log(`${name}: done`);
    } catch (error) {
      const reason = oneLine(error);
      run.results[name] = { error: reason };
      run.rows.push({ section: name, figure: "failed", value: reason });
      run.failed.push(name);
      ctx.log(`${name}: failed: ${reason}`);
    }
    run.seconds[name] = round((performance.now() - started) / 1000, 1);
  }
  return run;
}

/** bench/results.json. */
export interface BenchReport {
  date: string;
  machine: MachineInfo;
  versions: Versions;
  settings: BenchSettings;
  results: Record<string, Record<string, unknown>>;
  /** Wall-clock seconds per section and for the whole run. */
  seconds: Record<string, number>;
}

/** Writes the report whole or not at all (temp file, fsync, rename), so a reader never sees half of it. */
export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** The first line of an error's message: a row of the table has room for no more. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n").find((line) => line.trim() !== "") ?? "";
  return first.trim() || (error instanceof Error ? error.name : "unknown error");
}
