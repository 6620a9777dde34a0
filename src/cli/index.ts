import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { updateIndex } from "../vault/index.ts";

export default defineCommand({
  meta: { name: "index", description: "bring the vault's search index up to date (changed files only)" },
  args: { json: { type: "boolean", default: false, description: "print the result as JSON" } },
  async run({ args }) {
    const { vaultDir } = loadConfig();
    try {
      const result = await updateIndex(vaultDir);
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ vault: vaultDir, ...result }, null, 2)}\n`);
        return;
      }
      console.log(
        `indexed ${vaultDir}: ${result.scanned} files (${result.added} added, ${result.updated} updated, ${result.removed} removed, ${result.unchanged} unchanged), ${result.chunks} chunks, ${result.ms} ms`,
      );
      for (const skipped of result.skipped) console.log(`skipped ${skipped.path}: ${skipped.reason}`);
      for (const warning of result.warnings) console.log(`warning: ${warning}`);
    } catch (error) {
      process.stderr.write(`ember index: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  },
});
