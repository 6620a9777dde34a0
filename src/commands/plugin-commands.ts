import { type PluginCommand, pluginCommands } from "../agents/plugin.ts";
import type { App } from "../app.ts";
import { isPlannerGranted } from "../plugins/trust.ts";
import type { SlashCommand } from "./types.ts";

function asSlashCommand(command: PluginCommand, trusted: readonly string[]): SlashCommand {
  return {
    name: command.name,
    summary: `${command.summary} (plugin ${command.plugin})`,
    usage: command.usage,
    plannerAllowed: isPlannerGranted(command, trusted),
    // A plugin is operator code running with Ember's rights: never while the config is in doubt.
    requiresReady: true,
    async run(args, { app, out, source, signal }) {
      const answer = await command.run(args, { source, vaultDir: app.settings.vaultDir, signal });
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
export function installPluginCommands(app: App): string[] {
  const result = app.agents.results.get("plugin");
  app.commands.removePluginCommands();
  const problems: string[] = [];
  if (!result) return problems;
  for (const command of pluginCommands(result)) {
    if (app.commands.get(command.name)) {
      problems.push(
        `plugin ${command.plugin}: /${command.name} clashes with a built-in command and was left out`,
      );
      continue;
    }
    app.commands.register(asSlashCommand(command, app.settings.config.agents.plugin.trusted), "plugin");
  }
  for (const problem of problems) app.logger.log.warn(problem);
  return problems;
}
