import type { Config } from "../config/schema.ts";
import type { AgentName } from "./names.ts";

/**
 * `agents.enabled` empty means every agent; `agents.disabled` always wins.
 * Kept apart from the registry so agents can ask it without importing each other.
 */
export function isAgentEnabled(config: Config, name: AgentName): boolean {
  const { enabled, disabled } = config.agents;
  if (disabled.includes(name)) return false;
  return enabled.length === 0 || enabled.includes(name);
}
