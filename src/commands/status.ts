import { renderStatus } from "../status/render.ts";
import { collectStatus } from "../status/report.ts";
import type { SlashCommand } from "./types.ts";

export const statusCommand: SlashCommand = {
  name: "status",
  summary: "config, vault, agents and system health at a glance",
  usage: "/status",
  plannerAllowed: true,
  requiresReady: false,
  async run(_args, { host, out, style }) {
    // Metrics go stale in seconds; refresh them so the planner and the operator see now.
    if (host.agents.results.size > 0) await host.agents.run("metrics");
    for (const line of renderStatus(collectStatus(host), style)) out.line(line);
  },
};
