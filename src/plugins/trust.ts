/**
 * Which plugin commands the planner may run. A manifest's `plannerAllowed: true` is only a request:
 * a plugin cannot grant itself the right to act on the operator's questions. The grant is the
 * operator's, by plugin name, in `agents.plugin.trusted` (written by `/plugins trust NAME`).
 */
import type { PluginCommand } from "../agents/plugin.ts";

/** True when the command asks for the planner and the operator trusted its plugin. */
export function isPlannerGranted(command: PluginCommand, trusted: readonly string[]): boolean {
  return command.plannerRequested && trusted.includes(command.plugin);
}

export interface PlannerRequest {
  plugin: string;
  /** Its commands whose manifest asks for the planner. */
  requested: string[];
  /** All its usable commands. */
  commands: string[];
  trusted: boolean;
}

/** One entry per plugin with usable commands, in the order found. */
export function plannerRequests(
  commands: readonly PluginCommand[],
  trusted: readonly string[],
): PlannerRequest[] {
  const byPlugin = new Map<string, PlannerRequest>();
  for (const command of commands) {
    const entry = byPlugin.get(command.plugin) ?? {
      plugin: command.plugin,
      requested: [],
      commands: [],
      trusted: trusted.includes(command.plugin),
    };
    entry.commands.push(command.name);
    if (command.plannerRequested) entry.requested.push(command.name);
    byPlugin.set(command.plugin, entry);
  }
  return [...byPlugin.values()];
}

/** How a plugin's planner access reads in `/plugins` and `/agents`. */
export function describePlannerAccess(request: PlannerRequest): string {
  const slashed = request.requested.map((name) => `/${name}`).join(", ");
  if (request.requested.length === 0) return "asks for no planner access";
  if (request.trusted) return `planner may run ${slashed} (trusted)`;
  return `asks the planner for ${slashed}: not granted (/plugins trust ${request.plugin})`;
}
