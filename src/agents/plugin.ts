import { join } from "node:path";
import * as v from "valibot";
import { expandPath } from "../config/paths.ts";
import { capProblemLines } from "../config/problem-list.ts";
import type { Config } from "../config/schema.ts";
import { discoverPlugins, type PluginCommandSpec, type PluginDiscovery } from "../plugins/discover.ts";
import {
  invokePlugin,
  PLUGIN_PROTOCOL_VERSION,
  type PluginAnswer,
  type PluginSource,
} from "../plugins/invoke.ts";
import type { Agent, AgentOutcome, AgentResult } from "./types.ts";

/** A plugin command ready for the slash-command registry to wrap. */
export interface PluginCommand {
  plugin: string;
  name: string;
  summary: string;
  usage: string;
  /** The manifest asks for the planner; only `/plugins trust` grants it. */
  plannerRequested: boolean;
  run(
    args: readonly string[],
    options: { source: PluginSource; vaultDir: string; signal?: AbortSignal },
  ): Promise<PluginAnswer>;
}

/** `agents.plugin.paths` (relative ones against the working directory), then the vault's plugins/. */
export function pluginFolders(config: Config, vaultDir: string, cwd: string = process.cwd()): string[] {
  return [...config.agents.plugin.paths.map((path) => expandPath(path, cwd)), join(vaultDir, "plugins")];
}

export const pluginAgent: Agent = {
  name: "plugin",
  summary: "discovers plugins and their commands",
  triggers: ["boot", "demand"],
  requiresReady: true,
  async run(ctx): Promise<AgentOutcome> {
    const found = discoverPlugins(
      pluginFolders(ctx.config, ctx.vaultDir),
      ctx.config.agents.plugin.timeoutMs,
    );
    const { plugins, commands, problems } = found;
    const details = { ...found, problems: capProblemLines(problems) };
    const counted = `${count(plugins.length, "plugin")}, ${count(commands.length, "command")}`;
    if (problems.length > 0)
      return {
        status: "degraded",
        summary: `${counted}; ${count(problems.length, "problem")}: ${problems[0]}`,
        details,
      };
    return { status: "ok", summary: plugins.length === 0 ? "no plugins" : counted, details };
  },
};

const SpecSchema = v.object({
  plugin: v.string(),
  name: v.string(),
  summary: v.string(),
  usage: v.string(),
  plannerRequested: v.boolean(),
  exec: v.string(),
  dir: v.string(),
  timeoutMs: v.number(),
});

/**
 * The runnable commands from a plugin agent's result (or a discovery). A result without usable
 * commands (skipped, failed, or from another agent) gives none.
 */
export function pluginCommands(from: AgentResult | PluginDiscovery): PluginCommand[] {
  const listed = "details" in from ? from.details.commands : from.commands;
  const parsed = v.safeParse(v.array(SpecSchema), listed);
  return parsed.success ? parsed.output.map(toCommand) : [];
}

function toCommand(spec: PluginCommandSpec): PluginCommand {
  return {
    plugin: spec.plugin,
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    plannerRequested: spec.plannerRequested,
    async run(args, { source, vaultDir, signal }) {
      const answer = await invokePlugin({
        exec: spec.exec,
        cwd: spec.dir,
        timeoutMs: spec.timeoutMs,
        signal,
        request: { command: spec.name, args: [...args], source, vaultDir, version: PLUGIN_PROTOCOL_VERSION },
      });
      return answer.ok ? answer : { ...answer, error: `plugin ${spec.plugin}: ${answer.error}` };
    },
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
