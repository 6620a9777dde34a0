import { defineCommand } from "citty";
import { formatIssue, loadConfig } from "../config/load.ts";
import { discoverModels } from "../llm/discover.ts";
import { loadLlama, prepareNativeRuntime } from "../llm/native.ts";
import { VERSION } from "../version.ts";

interface Check {
  name: string;
  run(): Promise<string>;
}

/**
 * What `ember upgrade` runs on a new binary before swapping it in: if this fails, the node keeps
 * its current binary. Checks that the config loads, the native runtime unpacks, the llama addon
 * loads, and (when a model is present) that a few tokens evaluate. Exit 0 only if all pass.
 */
export default defineCommand({
  meta: { name: "self-test", description: "check this binary can run on this node (used by upgrade)" },
  async run() {
    const loaded = loadConfig();
    const threads = 1;
    const checks: Check[] = [
      {
        name: "config",
        run: async () =>
          loaded.valid
            ? "loads"
            : `loads with ${loaded.issues.length} problem(s): ${formatIssue(loaded.issues[0]!)}`,
      },
      {
        name: "native runtime",
        run: async () => {
          const info = prepareNativeRuntime({ runtimeDir: loaded.config.runtime.dir || undefined });
          return info.mode === "source" ? "from node_modules" : `${info.outcome} at ${info.dir}`;
        },
      },
      {
        name: "llama addon",
        run: async () => {
          await loadLlama({ runtimeDir: loaded.config.runtime.dir || undefined });
          return "loads";
        },
      },
      {
        name: "model",
        run: async () => {
          const found = discoverModels({
            setting: loaded.config.llm.model,
            cwd: process.cwd(),
            vaultDir: loaded.vaultDir,
          });
          if (!found.chosen) return "none present (skipped)";
          const llama = await loadLlama({ runtimeDir: loaded.config.runtime.dir || undefined });
          const model = await llama.loadModel({ modelPath: found.chosen.path });
          const context = await model.createContext({ threads, contextSize: 256 });
          try {
            const sequence = context.getSequence();
            await sequence.evaluateWithoutGeneratingNewTokens(model.tokenize("self test"));
            return `${found.chosen.name}: ${sequence.contextTokens.length} tokens evaluated`;
          } finally {
            await context.dispose();
            await model.dispose();
          }
        },
      },
    ];
    let failed = 0;
    for (const check of checks) {
      try {
        console.log(`ok    ${check.name}: ${await check.run()}`);
      } catch (error) {
        failed++;
        console.log(`FAIL  ${check.name}: ${(error as Error).message}`);
      }
    }
    console.log(failed === 0 ? `ember ${VERSION} self-test passed` : `ember ${VERSION} self-test failed`);
    process.exit(failed === 0 ? 0 : 1);
  },
});
