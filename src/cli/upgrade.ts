import { realpathSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { defineCommand } from "citty";
import { formatIssue, loadConfig } from "../config/load.ts";
import { restartEngine } from "../engine/restart.ts";
import { isCompiled } from "../os/compiled.ts";
import { terminalJson } from "../terminal/sanitize.ts";
import { UpdateError } from "../update/errors.ts";
import { installLayout, resolveInstallPath, rollbackToPrevious } from "../update/install.ts";
import { progressOnTerminal } from "../update/progress.ts";
import { readBinaryVersion } from "../update/self-test.ts";
import { runUpgrade, type UpgradeOutcome } from "../update/upgrade.ts";
import { EMBER_VERSION } from "../update/version.ts";
import { CliUsageError } from "./usage-error.ts";

export default defineCommand({
  meta: {
    name: "upgrade",
    description: "Update ember from its signed release channel (keeps the previous binary)",
  },
  args: {
    check: { type: "boolean", description: "Only show the installed and available versions" },
    json: { type: "boolean", description: "With --check: print what it found as JSON" },
    channel: { type: "string", description: "Channel URL or folder (default: config update.channel)" },
    yes: { type: "boolean", alias: "y", description: "Install without asking" },
    "allow-downgrade": { type: "boolean", description: "Install even if the channel's version is not newer" },
    rollback: { type: "boolean", description: "Put the previous binary (ember.prev) back" },
    "install-path": {
      type: "string",
      description: "The ember binary to update (default: EMBER_INSTALL_PATH, else this executable)",
    },
  },
  async run({ args }) {
    if (args.json && !args.check) throw new CliUsageError("--json goes with --check");
    try {
      const installPath = resolveInstallPath(args["install-path"]);
      const current = await installedVersion(installPath);
      if (args.rollback) {
        const layout = installLayout(installPath);
        rollbackToPrevious(layout);
        const restored = (await readBinaryVersion(installPath)) ?? "(unknown version)";
        console.log(
          `restored ember ${restored} at ${installPath}; ember ${current} is kept as ${layout.previousPath}`,
        );
        await restartEngineOn(installPath, loadConfig().vaultDir);
        return;
      }
      const { config, vaultDir } = updateConfig();
      const { update } = config;
      const outcome = await runUpgrade({
        channel: args.channel ?? update.channel,
        publicKeys: update.publicKeys,
        installPath,
        vaultDir,
        currentVersion: current,
        checkOnly: args.check,
        allowDowngrade: args["allow-downgrade"],
        confirm: args.yes ? undefined : askYesNo,
        say: args.json ? () => {} : (line) => console.log(line),
        progress: (label) => progressOnTerminal(label),
      });
      if (args.json) process.stdout.write(`${terminalJson(checkJson(outcome))}\n`);
      if (outcome.kind === "installed") await restartEngineOn(installPath, vaultDir);
    } catch (error) {
      if (!(error instanceof UpdateError)) throw error;
      process.stderr.write(`ember upgrade: ${error.message}\n`);
      process.exitCode = 1;
    }
  },
});

/** The node's engine runs the new binary from now on; a restart that fails is one line, not a failed upgrade. */
async function restartEngineOn(installPath: string, vaultDir: string): Promise<void> {
  try {
    const pid = await restartEngine(vaultDir, process.env, installPath);
    if (pid !== undefined) console.log(`restarted the engine on the new binary (pid ${pid})`);
  } catch (error) {
    process.stderr.write(`ember upgrade: the engine did not restart: ${(error as Error).message}\n`);
  }
}

/** `ember upgrade --check --json`: the versions, whether the channel's is newer, and from where. */
function checkJson(outcome: UpgradeOutcome) {
  return {
    installed: outcome.current,
    available: outcome.offered,
    newer: outcome.kind === "available",
    ...("check" in outcome ? outcome.check : {}),
  };
}

/** The update settings; a broken update.* key is shown (its default is then in effect). */
function updateConfig() {
  const loaded = loadConfig();
  for (const issue of loaded.issues.filter((i) => i.key.startsWith("update"))) {
    process.stderr.write(`ember upgrade: ${formatIssue(issue)}\n`);
  }
  return loaded;
}

/** The running build's version when it is the installed binary; otherwise ask the installed one. */
async function installedVersion(installPath: string): Promise<string> {
  if (isCompiled() && realpathSync(process.execPath) === installPath) return EMBER_VERSION;
  return (await readBinaryVersion(installPath)) ?? EMBER_VERSION;
}

async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UpdateError("standard input is not a terminal: pass --yes to install without asking");
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
