import { AGENT_NAMES, type AgentName } from "../agents/names.ts";
import { isAgentEnabled } from "../agents/registry.ts";
import { describeSource } from "../config/describe.ts";
import { setConfigValues } from "../config/write.ts";
import { describePlannerAccess } from "../plugins/trust.ts";
import { statusMark } from "../status/render.ts";
import type { Style } from "../terminal/style.ts";
import { formatTable } from "../terminal/table.ts";
import type { CommandHost } from "./host.ts";
import { pluginRequests } from "./plugins.ts";
import { type CommandOutput, type SlashCommand, UsageError } from "./types.ts";

const ACTIONS = ["run", "enable", "disable"] as const;

const isAgentName = (name: string): name is AgentName => (AGENT_NAMES as readonly string[]).includes(name);

function agentNamed(name: string | undefined): AgentName {
  if (name && isAgentName(name)) return name;
  throw new UsageError(`no agent named ${name || "(none)"}; agents: ${AGENT_NAMES.join(", ")}`);
}

export const agentsCommand: SlashCommand = {
  name: "agents",
  summary: "list agents with their last result, run one now, or enable/disable one in the vault's config",
  usage: "/agents [run|enable|disable NAME]",
  // Listing is read-only; the actions are refused for the planner below.
  plannerAllowed: true,
  requiresReady: false,
  complete(args) {
    if (args.length === 0) return ACTIONS;
    if (args.length === 1 && (ACTIONS as readonly string[]).includes(args[0] ?? "")) return AGENT_NAMES;
    return [];
  },
  async run(args, { host, out, style, source }) {
    const [action, name] = args;
    if (action === undefined) {
      listAgents(host, out, style);
      return;
    }
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action ${action}`);
    if (source === "planner") throw new Error(`${action} is for the operator only`);
    const agent = agentNamed(name);
    if (action === "run") await runOnce(host, agent, out, style);
    else setEnabled(host, agent, action === "enable", out, style);
  },
};

function listAgents(host: CommandHost, out: CommandOutput, style: Style): void {
  const rows = AGENT_NAMES.map((name) => {
    const last = host.agents.results.get(name);
    const enabled = isAgentEnabled(host.settings.config, name);
    return [
      name,
      enabled ? "enabled" : style.dim("disabled"),
      statusMark(last?.status, style),
      last?.summary ?? "",
      last ? style.dim(`${last.ms} ms`) : "",
    ];
  });
  for (const line of formatTable(rows, "  ")) out.line(line);
  // A manifest's plannerAllowed is a request; say so next to the agent that found it.
  for (const request of pluginRequests(host).filter((r) => r.requested.length > 0))
    out.line(`plugin ${request.plugin}: ${describePlannerAccess(request)}`);
}

/** One line, whether or not the config disables the agent: asked for by name, it runs. */
async function runOnce(host: CommandHost, name: AgentName, out: CommandOutput, style: Style): Promise<void> {
  const disabled = !isAgentEnabled(host.settings.config, name);
  const result = (await host.agents.run(name)).get(name);
  const note = disabled ? style.dim(" · disabled in config, ran once") : "";
  out.line(
    `${name}: ${statusMark(result?.status, style)} ${result?.summary ?? ""} ${style.dim(`(${result?.ms ?? 0} ms)`)}${note}`,
  );
}

/**
 * Writes `agents.disabled` (and `agents.enabled`, when it lists agents and must name this one)
 * to the vault's override file in one atomic write, logs it, and reloads the config.
 */
function setEnabled(
  host: CommandHost,
  name: AgentName,
  enable: boolean,
  out: CommandOutput,
  style: Style,
): void {
  const { enabled, disabled } = host.settings.config.agents;
  if (isAgentEnabled(host.settings.config, name) === enable) {
    out.line(`agent ${name} is already ${enable ? "enabled" : "disabled"}; nothing changed`);
    return;
  }
  const entries: [string, unknown][] = enable
    ? [["agents.disabled", disabled.filter((n) => n !== name)]]
    : [["agents.disabled", [...disabled, name]]];
  if (enable && enabled.length > 0 && !enabled.includes(name))
    entries.push(["agents.enabled", [...enabled, name]]);
  const file = setConfigValues(host.settings, entries);
  host.logger.log.info(`agent ${name} ${enable ? "enabled" : "disabled"}`, {
    agent: name,
    file,
    changes: Object.fromEntries(entries),
    source: "operator",
  });
  host.reloadConfig();
  const now = isAgentEnabled(host.settings.config, name);
  out.line(
    `agent ${name} ${now ? "enabled" : "disabled"} (${describeSource(host.settings.sources.get("agents.disabled"), host.cwd)})`,
  );
  if (now !== enable)
    out.line(style.yellow(`note: another setting still ${now ? "enables" : "disables"} it`));
}
