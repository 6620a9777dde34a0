import type { AgentBoard } from "../app.ts";
import type { AgentName } from "./names.ts";
import { type AgentRunOptions, runAgentOnDemand, runBootAgents } from "./runner.ts";
import type { AgentResult } from "./types.ts";

/**
 * Keeps the latest result of every agent. Options are read at each run so a config reload
 * (after `/config set`) applies to the next run.
 */
export function createAgentBoard(
  options: () => Omit<AgentRunOptions, "previous">,
  /** Called after every run with what ran (e.g. to install the commands the plugin agent found). */
  onRan: (ran: ReadonlyMap<AgentName, AgentResult>) => void = () => {},
): AgentBoard {
  const results = new Map<AgentName, AgentResult>();
  const remember = (ran: ReadonlyMap<AgentName, AgentResult>) => {
    for (const [name, result] of ran) results.set(name, result);
    onRan(ran);
    return ran;
  };
  return {
    results,
    async run(which) {
      const base = { ...options(), previous: results };
      return remember(which === "boot" ? await runBootAgents(base) : await runAgentOnDemand(which, base));
    },
  };
}
