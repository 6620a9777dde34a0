/**
 * One benchmark section in a process of its own (see isolate.ts):
 *
 *   EMBER_BENCH_CONTEXT='{"settings":…,"root":…,"workDir":…}' bun scripts/bench/worker.ts NAME OUTCOME_FILE
 *
 * Writes `{ok: true, outcome}` or `{ok: false, error}` to OUTCOME_FILE (whole, or not at all).
 */
import { writeFileAtomic } from "../../src/fs/atomic-write.ts";
import { oneLine } from "./harness.ts";
import { WORKER_CONTEXT_ENV, type WorkerContext, type WorkerReport } from "./isolate.ts";
import { isSectionName, SECTION_LOADERS } from "./sections.ts";

const [name = "", outcomeFile] = process.argv.slice(2);
const contextJson = process.env[WORKER_CONTEXT_ENV];
if (!isSectionName(name) || outcomeFile === undefined || contextJson === undefined) {
  process.stderr.write(
    `usage: ${WORKER_CONTEXT_ENV}=JSON bun scripts/bench/worker.ts SECTION OUTCOME_FILE\n`,
  );
  process.exit(2);
}
const context = JSON.parse(contextJson) as WorkerContext;
let report: WorkerReport;
try {
  const section = await SECTION_LOADERS[name]();
  const outcome = await section({ ...context, log: (line) => process.stderr.write(`bench: ${line}\n`) });
  report = { ok: true, outcome };
} catch (error) {
  report = { ok: false, error: oneLine(error) };
}
writeFileAtomic(outcomeFile, JSON.stringify(report));
// Whatever a section left running (a timer, a native thread) must not keep its process alive.
process.exit(report.ok ? 0 : 1);
