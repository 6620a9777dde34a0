import { loadConfig } from "../config/load.ts";
import { UpdateError } from "../update/errors.ts";
import { resolveInstallPath } from "../update/install.ts";
import { readBinaryVersion } from "../update/self-test.ts";
import { runUpgrade } from "../update/upgrade.ts";
import { type SlashCommand, UsageError } from "./types.ts";

/**
 * `/update` checks the signed channel and says what it would install; `/update yes` is the
 * confirmation that installs it (same flow as `ember upgrade --yes`). Never planner-allowed.
 */
export const updateCommand: SlashCommand = {
  name: "update",
  summary: "check the release channel; `/update yes` installs the new version",
  usage: "/update [yes]",
  plannerAllowed: false,
  requiresReady: true,
  complete: (args) => (args.length === 0 ? ["yes"] : []),
  async run(args, { host, out, style }) {
    if (args.length > 1 || (args[0] !== undefined && args[0] !== "yes"))
      throw new UsageError(`unexpected ${args.join(" ")}`);
    const install = args[0] === "yes";
    const { config, vaultDir } = loadConfig({ env: host.env, cwd: host.cwd });
    const { update } = config;
    if (!update.channel)
      throw new UsageError("no release channel: set update.channel (or use ember upgrade --channel)");
    const installPath = resolveInstallPath(undefined, host.env);
    try {
      const outcome = await runUpgrade({
        channel: update.channel,
        publicKeys: update.publicKeys,
        installPath,
        vaultDir,
        currentVersion: (await readBinaryVersion(installPath)) ?? host.version,
        checkOnly: !install,
        say: (line) => out.line(line),
      });
      if (outcome.kind === "available") out.line(style.cyan("type /update yes to install it"));
      host.logger.log.info("update", {
        outcome: outcome.kind,
        current: outcome.current,
        offered: outcome.offered,
      });
    } catch (error) {
      if (error instanceof UpdateError) throw new Error(error.message);
      throw error;
    }
  },
};
