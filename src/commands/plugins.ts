import { pluginCommands } from "../agents/plugin.ts";
import { setConfigValue } from "../config/write.ts";
import { describePlannerAccess, type PlannerRequest, plannerRequests } from "../plugins/trust.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import { formatTable } from "../terminal/table.ts";
import type { CommandHost } from "./host.ts";
import { installPluginCommands } from "./plugin-commands.ts";
import { type SlashCommand, UsageError } from "./types.ts";

const ACTIONS = ["trust", "untrust"] as const;

/** What each plugin found by the plugin agent asks of the planner, and what the operator granted. */
export function pluginRequests(host: CommandHost): PlannerRequest[] {
  const result = host.agents.results.get("plugin");
  return plannerRequests(result ? pluginCommands(result) : [], host.settings.config.agents.plugin.trusted);
}

/**
 * `/plugins` lists the plugins with the planner access their manifests ask for and whether it is
 * granted; `/plugins trust NAME` grants it (written to the vault's config), `untrust` takes it back.
 */
export const pluginsCommand: SlashCommand = {
  name: "plugins",
  summary: "list plugins and what the planner may run; trust or untrust one",
  usage: "/plugins [trust NAME | untrust NAME]",
  // Listing is read-only; trust and untrust are refused for the planner below.
  plannerAllowed: true,
  requiresReady: false,
  complete(args, _partial, host) {
    if (args.length === 0) return ACTIONS;
    if (args.length === 1 && args[0] === "trust") return pluginRequests(host).map((r) => r.plugin);
    if (args.length === 1 && args[0] === "untrust") return host.settings.config.agents.plugin.trusted;
    return [];
  },
  run(args, { host, out, style, source }) {
    const [action, name] = args;
    if (action === undefined) {
      listPlugins(host, out.line, style.dim);
      return;
    }
    if (action !== "trust" && action !== "untrust") throw new UsageError(`unknown action ${action}`);
    if (source === "planner") throw new Error("trusting plugins is operator only");
    if (!name || args.length > 2) throw new UsageError(`/plugins ${action} NAME`);
    const trusted = host.settings.config.agents.plugin.trusted;
    const known = pluginRequests(host).map((r) => r.plugin);
    if (action === "trust" && !known.includes(name))
      throw new UsageError(`no plugin named ${name}; plugins: ${known.join(", ") || "none"}`);
    if ((action === "trust") === trusted.includes(name)) {
      out.line(sanitizeLine(`plugin ${name} is ${action === "trust" ? "already" : "not"} trusted`));
      return;
    }
    const list = action === "trust" ? [...trusted, name] : trusted.filter((n) => n !== name);
    const { file } = setConfigValue(host.settings, "agents.plugin.trusted", JSON.stringify(list));
    host.logger.log.info("plugin trust", { plugin: name, trusted: action === "trust", file, source });
    host.reloadConfig();
    host.commandProblems = installPluginCommands(host);
    const now = pluginRequests(host).find((r) => r.plugin === name);
    out.line(`plugin ${name}: ${now ? describePlannerAccess(now) : `no longer trusted`}`);
    out.line(style.dim(`(written to ${file})`));
  },
};

function listPlugins(host: CommandHost, line: (text: string) => void, dim: (text: string) => string): void {
  const requests = pluginRequests(host);
  if (requests.length === 0) line("no plugins with usable commands (see /agents for the plugin agent)");
  const rows = requests.map((r) => [
    r.plugin,
    r.commands.map((c) => `/${c}`).join(" "),
    describePlannerAccess(r),
  ]);
  for (const row of formatTable(rows, "  ")) line(row);
  const missing = host.settings.config.agents.plugin.trusted.filter(
    (n) => !requests.some((r) => r.plugin === n),
  );
  if (missing.length > 0) line(dim(`trusted but not found: ${missing.join(", ")}`));
}
