import type { SlashCommand } from "../commands/types.ts";

/** The planner-allowed commands as the planner prompt's {commands} lists them. */
export function describeCommands(commands: readonly SlashCommand[]): string {
  return commands.map((c) => `- ${c.name}: ${c.summary} (usage: ${c.usage})`).join("\n");
}
