/** Every built-in agent, in the order `/agents` lists them. The config schema validates against this. */
export const AGENT_NAMES = ["core", "network", "provision", "toolchain", "metrics", "plugin"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];
