import { type PluginCommand, pluginCommands } from "../agents/plugin.ts";
import { isPlannerGranted } from "../plugins/trust.ts";
import type { CommandHost } from "./host.ts";
import type { SlashCommand } from "./types.ts";

function asSlashCommand(command: PluginCommand, trusted: readonly string[]): SlashCommand {
  return {
    name: command.name,
    summary: `${command.summary} (plugin ${command.plugin})`,
    usage: command.usage,
    plannerAllowed: isPlannerGranted(command, trusted),
    // A plugin is operator code running with Ember's rights: never while the config is in doubt.
    requiresReady: true,
    async run(args, { host, out, source, signal }) {
      const answer = await command.run(args, { source, vaultDir: host.settings.vaultDir, signal });
      if (!answer.ok) throw new Error(answer.error ?? "failed");
      if (answer.output) out.line(answer.output.replace(/\n$/, ""));
    },
  };
}

/**
 * Registers the commands the plugin agent found, replacing those of an earlier run (and after a
 * change of trust). A plugin command that clashes with a built-in one is left out and reported,
 * never registered over it. The planner gets only what the operator granted (plugins/trust.ts).
 */
export function installPluginCommands(host: CommandHost): string[] {
  const result = host.agents.results.get("plugin");
  host.commands.removePluginCommands();
  const problems: string[] = [];
  if (!result) return problems;
  for (const command of pluginCommands(result)) {
    if (host.commands.get(command.name)) {
      problems.push(
        `plugin ${command.plugin}: /${command.name} clashes with a built-in command and was left out`,
      );
      continue;
    }
    host.commands.register(asSlashCommand(command, host.settings.config.agents.plugin.trusted), "plugin");
  }
  for (const problem of problems) host.logger.log.warn(problem);
  return problems;
}
