/**
 * Runs a section in a process of its own: a crash inside llama.cpp (an abort, a segfault) or a
 * section that never ends then costs that section alone, and nothing one section allocated or left
 * running weighs on the next one's figures.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, Section, SectionOutcome } from "./types.ts";

const WORKER = join(import.meta.dir, "worker.ts");

/** What the worker gets: the context, but for `log` (its stderr is the harness's). */
export type WorkerContext = Omit<BenchContext, "log">;

/** What the worker leaves in its outcome file. */
export type WorkerReport = { ok: true; outcome: SectionOutcome } | { ok: false; error: string };

export const WORKER_CONTEXT_ENV = "EMBER_BENCH_CONTEXT";

const running = new Set<Bun.Subprocess>();

/** Kills the section process under way, if any (the harness is being interrupted). */
export function killWorkers(): void {
  for (const proc of running) proc.kill("SIGKILL");
}

export function isolated(name: string, timeoutMs: number): Section {
  return (ctx) => {
    const context: WorkerContext = { settings: ctx.settings, root: ctx.root, workDir: ctx.workDir };
    return runWorker([process.execPath, WORKER, name], context, timeoutMs);
  };
}

/**
 * Runs `command` with the context in its environment and an outcome file path appended to its
 * arguments; its output goes to our stderr. Throws a one-line reason when it fails, crashes or times out.
 */
export async function runWorker(
  command: string[],
  context: WorkerContext,
  timeoutMs: number,
): Promise<SectionOutcome> {
  const dir = mkdtempSync(join(context.workDir, "worker-"));
  const outcomeFile = join(dir, "outcome.json");
  try {
    const proc = Bun.spawn([...command, outcomeFile], {
      cwd: context.root,
      env: { ...process.env, [WORKER_CONTEXT_ENV]: JSON.stringify(context) },
      stdin: "ignore",
      // stdout is the harness's table: whatever a section prints goes with the progress, to stderr.
      stdout: 2,
      stderr: "inherit",
    });
    running.add(proc);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    const code = await proc.exited;
    clearTimeout(timer);
    running.delete(proc);
    if (timedOut) throw new Error(`did not finish within ${Math.round(timeoutMs / 1000)} s`);
    const report = readReport(outcomeFile);
    if (report === undefined) {
      const how = proc.signalCode ? `was killed by ${proc.signalCode}` : `exited with code ${code}`;
      throw new Error(`the section's process ${how} before reporting`);
    }
    if (!report.ok) throw new Error(report.error);
    return report.outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readReport(path: string): WorkerReport | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  return JSON.parse(text) as WorkerReport;
}
