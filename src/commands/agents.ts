import { AGENT_NAMES, type AgentName } from "../agents/names.ts";
import { isAgentEnabled } from "../agents/registry.ts";
import { describePlannerAccess } from "../plugins/trust.ts";
import { statusMark } from "../status/render.ts";
import { formatTable } from "../terminal/table.ts";
import { pluginRequests } from "./plugins.ts";
import { type SlashCommand, UsageError } from "./types.ts";

const isAgentName = (name: string): name is AgentName => (AGENT_NAMES as readonly string[]).includes(name);

export const agentsCommand: SlashCommand = {
  name: "agents",
  summary: "list agents with their last result, or run one now",
  usage: "/agents [run NAME]",
  // Listing is read-only; `run` is refused for the planner below.
  plannerAllowed: true,
  requiresReady: false,
  complete(args) {
    if (args.length === 0) return ["run"];
    if (args.length === 1 && args[0] === "run") return AGENT_NAMES;
    return [];
  },
  async run(args, { app, out, style, source }) {
    if (args[0] === "run") {
      if (source === "planner") throw new Error("running agents is operator only");
      const name = args[1] ?? "";
      if (!isAgentName(name))
        throw new UsageError(`no agent named ${name || "(none)"}; agents: ${AGENT_NAMES.join(", ")}`);
      if (!isAgentEnabled(app.settings.config, name))
        out.line(style.yellow(`agent ${name} is disabled in config; running it once anyway`));
      const ran = await app.agents.run(name);
      const result = ran.get(name);
      out.line(
        `${name}: ${statusMark(result?.status, style)} ${result?.summary ?? ""} ${style.dim(`(${result?.ms ?? 0} ms)`)}`,
      );
      return;
    }
    if (args.length > 0) throw new UsageError(`unknown action ${args[0]}`);
    const rows = AGENT_NAMES.map((name) => {
      const last = app.agents.results.get(name);
      const enabled = isAgentEnabled(app.settings.config, name);
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
    for (const request of pluginRequests(app).filter((r) => r.requested.length > 0))
      out.line(`plugin ${request.plugin}: ${describePlannerAccess(request)}`);
  },
};
