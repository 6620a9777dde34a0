import type { Config } from "../config/schema.ts";
import { coreAgent } from "./core.ts";
import { isAgentEnabled } from "./enablement.ts";
import { metricsAgent } from "./metrics.ts";
import type { AgentName } from "./names.ts";
import { networkAgent } from "./network.ts";
import { pluginAgent } from "./plugin.ts";
import { provisionAgent } from "./provision.ts";
import { toolchainAgent } from "./toolchain.ts";
import type { Agent } from "./types.ts";

/** Every built-in agent, in AGENT_NAMES order (the order `/agents` lists them). */
export const BUILTIN_AGENTS: readonly Agent[] = [
  coreAgent,
  networkAgent,
  provisionAgent,
  toolchainAgent,
  metricsAgent,
  pluginAgent,
];

export { isAgentEnabled };

export function enabledAgents(config: Config, agents: readonly Agent[] = BUILTIN_AGENTS): Agent[] {
  return agents.filter((agent) => isAgentEnabled(config, agent.name));
}

export function findAgent(name: AgentName, agents: readonly Agent[] = BUILTIN_AGENTS): Agent | undefined {
  return agents.find((agent) => agent.name === name);
}
