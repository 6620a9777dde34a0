import type { ConsolaInstance } from "consola";
import type { Config } from "../config/schema.ts";
import type { AgentName } from "./names.ts";

export type AgentStatus = "ok" | "degraded" | "failed" | "skipped";
export type AgentTrigger = "boot" | "demand";

/** What an agent's run returns; the runner adds timing. */
export interface AgentOutcome {
  status: AgentStatus;
  /** One line for `/agents` and the HUD. */
  summary: string;
  /** Structured facts for `/status`, `status --json` and other agents. JSON-serialisable. */
  details: Record<string, unknown>;
}

export interface AgentResult extends AgentOutcome {
  ms: number;
  /** ISO time the run finished. */
  at: string;
}

export interface AgentContext {
  config: Config;
  /** False while the config is invalid; `requiresReady` agents are skipped then. */
  configValid: boolean;
  /** The first problems as lines (a long list ends with a line counting the rest). */
  configIssues: readonly string[];
  configIssueCount: number;
  vaultDir: string;
  /** This process loads the model; false in a client attached to the engine, which loads it there. */
  modelInProcess: boolean;
  /** Aborted when the agent's timeout expires: long work must watch it. */
  signal: AbortSignal;
  log: ConsolaInstance;
  /** Results of agents that already ran (dependencies are guaranteed to be here). */
  results: ReadonlyMap<AgentName, AgentResult>;
}

export interface Agent {
  name: AgentName;
  summary: string;
  triggers: readonly AgentTrigger[];
  /** Needs a valid config to mean anything. */
  requiresReady: boolean;
  /** Agents whose results this one reads; everything else runs concurrently. */
  dependsOn?: readonly AgentName[];
  /** Overrides `agents.timeoutMs`. */
  timeoutMs?: number;
  run(ctx: AgentContext): Promise<AgentOutcome>;
}
