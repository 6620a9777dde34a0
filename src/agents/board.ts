import type { AgentName } from "./names.ts";
import { type AgentRunOptions, runAgentOnDemand, runBootAgents } from "./runner.ts";
import type { AgentResult } from "./types.ts";

/** The agents' latest results and a way to run them again. */
export interface AgentBoard {
  readonly results: ReadonlyMap<AgentName, AgentResult>;
  /** Runs every boot agent, or one agent (and what it depends on) by name. */
  run(which: "boot" | AgentName): Promise<ReadonlyMap<AgentName, AgentResult>>;
}

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
