import { AGENT_NAMES } from "../agents/names.ts";
import { isAgentEnabled } from "../agents/registry.ts";
import type { AgentResult, AgentStatus } from "../agents/types.ts";
import type { CommandHost } from "../commands/host.ts";
import { effectiveValues } from "../config/describe.ts";
import { formatIssue, issueLines } from "../config/load.ts";
import { hudProblem } from "../hud/problem.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";

export type Health = "ok" | "degraded" | "failed";

export interface AgentLine {
  name: string;
  enabled: boolean;
  last?: AgentResult;
}

/** What `/status` and `ember status --json` show: plain data, rendered elsewhere. */
export interface StatusReport {
  version: string;
  health: Health;
  config: {
    valid: boolean;
    /** The first problems as lines (a long list ends with a line counting the rest). */
    issues: string[];
    issueCount: number;
    /** Reported, harmless: keys from the Python Ember that mean nothing here. */
    warnings: string[];
    files: string[];
    values: { key: string; value: unknown; source: string }[];
  };
  vault: { path: string };
  agents: AgentLine[];
  log: { file: string; problem?: string };
  problems: string[];
}

const RANK: Record<AgentStatus, number> = { ok: 0, skipped: 0, degraded: 1, failed: 2 };

export function collectStatus(host: CommandHost): StatusReport {
  const { settings } = host;
  const agents = AGENT_NAMES.map((name) => {
    const last = host.agents.results.get(name);
    return { name, enabled: isAgentEnabled(settings.config, name), ...(last ? { last } : {}) };
  });
  const problems = [
    host.logger.problem(),
    host.history.problem,
    hudProblem(host.env),
    ...host.commandProblems,
  ]
    .filter((p): p is string => Boolean(p))
    // Errors from the file system and plugin names: shown, never obeyed.
    .map(sanitizeLine);
  const worst = Math.max(0, ...agents.map((a) => (a.last ? RANK[a.last.status] : 0)));
  const health: Health =
    worst === 2 ? "failed" : worst === 1 || !settings.valid || problems.length > 0 ? "degraded" : "ok";
  const logProblem = host.logger.problem();
  return {
    version: host.version,
    health,
    config: {
      valid: settings.valid,
      issues: issueLines(settings),
      issueCount: settings.issueCount,
      warnings: settings.warnings.map(formatIssue),
      files: settings.files,
      values: effectiveValues(settings, host.cwd),
    },
    vault: { path: settings.vaultDir },
    agents,
    log: { file: host.logger.file, ...(logProblem ? { problem: logProblem } : {}) },
    problems,
  };
}
