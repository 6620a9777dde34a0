import { dirname } from "node:path";
import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { engineWanted, findEngine } from "../engine/auto-start.ts";
import { terminalJson } from "../terminal/sanitize.ts";
import { openVaultIndex, type UpdateProgress, type UpdateResult, type VaultIndex } from "../vault/index.ts";
import { renderIndexProgress, renderIndexSummary } from "../vault/index-report.ts";

/** Redraws of the progress line, at most this often: a fast index must not spend its time drawing. */
const PROGRESS_INTERVAL_MS = 100;
const CLEAR_LINE = "\r\x1b[2K";

export default defineCommand({
  meta: { name: "index", description: "bring the vault's search index up to date (changed files only)" },
  args: {
    json: { type: "boolean", default: false, description: "print the summary and the problems as JSON" },
  },
  async run({ args }) {
    const { vaultDir } = loadConfig();
    const progress = !args.json && process.stdout.isTTY ? progressLine() : null;
    let index: VaultIndex | undefined;
    try {
      // The engine owns the index when it runs: it updates it, so two writers never race.
      const engine = engineWanted(process.env) ? await findEngine(vaultDir) : undefined;
      let result: UpdateResult;
      if (engine) result = await engine.post<UpdateResult>("/v1/index");
      else {
        index = openVaultIndex(vaultDir);
        if (index.readOnly !== undefined) {
          process.stderr.write(
            `ember index: the vault is read-only (${index.readOnly} at ${dirname(index.indexPath)}): its index cannot be updated; search and questions use it as it is\n`,
          );
          process.exitCode = 1;
          return;
        }
        result = await index.update({ onProgress: progress?.update });
      }
      progress?.clear();
      if (args.json) {
        process.stdout.write(`${terminalJson({ vault: vaultDir, ...result })}\n`);
        return;
      }
      for (const line of renderIndexSummary(vaultDir, result)) console.log(line);
    } catch (error) {
      progress?.clear();
      process.stderr.write(`ember index: ${(error as Error).message}\n`);
      process.exitCode = 1;
    } finally {
      index?.close();
    }
  },
});

/** One line on the terminal, redrawn in place as files are read. */
function progressLine() {
  const started = performance.now();
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(p: UpdateProgress) {
      const now = performance.now();
      if (p.phase === "read" && now - drawnAt < PROGRESS_INTERVAL_MS) return;
      drawnAt = now;
      drawn = true;
      const columns = process.stdout.columns ?? 80;
      process.stdout.write(CLEAR_LINE + renderIndexProgress(p, now - started, columns - 1));
    },
    clear() {
      if (drawn) process.stdout.write(CLEAR_LINE);
    },
  };
}
