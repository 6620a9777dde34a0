import type { ConsolaInstance } from "consola";
import type { Config } from "../config/schema.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import type { AgentName } from "./names.ts";
import { BUILTIN_AGENTS, isAgentEnabled } from "./registry.ts";
import type { Agent, AgentContext, AgentOutcome, AgentResult } from "./types.ts";

export interface AgentRunOptions {
  config: Config;
  configValid: boolean;
  configIssues: readonly string[];
  /** All problems, when `configIssues` holds only the first (default: its length). */
  configIssueCount?: number;
  vaultDir: string;
  log: ConsolaInstance;
  /** AgentContext.modelInProcess; default true. */
  modelInProcess?: boolean;
  /** The agents this run knows about (default: the built-in ones). */
  agents?: readonly Agent[];
  /** Results of earlier runs: an on-demand run reuses them rather than re-running dependencies. */
  previous?: ReadonlyMap<AgentName, AgentResult>;
}

/** Raised inside an agent (as its signal's reason) when its time is up. */
export class AgentTimeoutError extends Error {
  override name = "AgentTimeoutError";
  constructor(
    readonly agent: AgentName,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/** Runs every agent with the `boot` trigger (and whatever they depend on). */
export function runBootAgents(options: AgentRunOptions): Promise<Map<AgentName, AgentResult>> {
  const agents = options.agents ?? BUILTIN_AGENTS;
  return runTargets(
    agents.filter((agent) => agent.triggers.includes("boot")),
    options,
  );
}

/**
 * Runs one agent now, plus any of its dependencies that have no result in `options.previous`.
 * Asked for by name, it runs even when the config disables it (its disabled dependencies do
 * not). The map holds only what ran in this call.
 */
export function runAgentOnDemand(
  name: AgentName,
  options: AgentRunOptions,
): Promise<Map<AgentName, AgentResult>> {
  const agent = (options.agents ?? BUILTIN_AGENTS).find((a) => a.name === name);
  if (!agent) {
    const result = finished({ status: "failed", summary: `no agent named ${name}`, details: {} }, 0);
    return Promise.resolve(new Map([[name, result]]));
  }
  return runTargets([agent], options, true);
}

/**
 * Never throws: an agent that throws, rejects or overruns its time becomes a `failed` result.
 * Independent agents run concurrently; an agent starts once all of its dependencies have a result.
 */
async function runTargets(
  targets: readonly Agent[],
  options: AgentRunOptions,
  evenIfDisabled = false,
): Promise<Map<AgentName, AgentResult>> {
  const asked = new Set(evenIfDisabled ? targets.map((agent) => agent.name) : []);
  const known = options.agents ?? BUILTIN_AGENTS;
  const byName = new Map(known.map((agent) => [agent.name, agent]));
  const previous = options.previous ?? new Map<AgentName, AgentResult>();
  const { order, cycles } = planRun(targets, byName, previous);

  const results = new Map<AgentName, AgentResult>(previous);
  const pending = new Map<AgentName, Promise<AgentResult>>();
  for (const agent of order) {
    const cycle = cycles.get(agent.name);
    const deps = (agent.dependsOn ?? []).flatMap((dep) => pending.get(dep) ?? []);
    const promise = cycle
      ? Promise.resolve(finished({ status: "failed", summary: `dependency cycle: ${cycle}`, details: {} }, 0))
      : Promise.all(deps).then(() => runOne(agent, options, results, asked.has(agent.name)));
    pending.set(
      agent.name,
      promise.then((result) => {
        results.set(agent.name, result);
        options.log.info(`agent ${agent.name}: ${result.status} (${result.summary})`, {
          agent: agent.name,
          status: result.status,
          ms: result.ms,
        });
        return result;
      }),
    );
  }
  await Promise.all(pending.values());

  const ran = new Map<AgentName, AgentResult>();
  for (const agent of known) {
    const result = pending.has(agent.name) ? results.get(agent.name) : undefined;
    if (result) ran.set(agent.name, result);
  }
  return ran;
}

/** Dependency order (depth first). Agents on a dependency cycle are named with the cycle. */
function planRun(
  targets: readonly Agent[],
  byName: ReadonlyMap<AgentName, Agent>,
  previous: ReadonlyMap<AgentName, AgentResult>,
): { order: Agent[]; cycles: Map<AgentName, string> } {
  const order: Agent[] = [];
  const cycles = new Map<AgentName, string>();
  const done = new Set<AgentName>();
  const forced = new Set(targets.map((agent) => agent.name));

  const visit = (name: AgentName, path: readonly AgentName[]): void => {
    if (done.has(name)) return;
    const at = path.indexOf(name);
    if (at >= 0) {
      const loop = [...path.slice(at), name].join(" -> ");
      for (const member of path.slice(at)) cycles.set(member, loop);
      return;
    }
    const agent = byName.get(name);
    // An unknown dependency, or one with an earlier result, is simply not run.
    if (!agent || (previous.has(name) && !forced.has(name))) return;
    for (const dep of agent.dependsOn ?? []) visit(dep, [...path, name]);
    done.add(name);
    order.push(agent);
  };
  for (const agent of targets) visit(agent.name, []);
  return { order, cycles };
}

async function runOne(
  agent: Agent,
  options: AgentRunOptions,
  results: ReadonlyMap<AgentName, AgentResult>,
  evenIfDisabled: boolean,
): Promise<AgentResult> {
  if (!evenIfDisabled && !isAgentEnabled(options.config, agent.name))
    return finished({ status: "skipped", summary: "disabled", details: {} }, 0);
  if (agent.requiresReady && !options.configValid)
    return finished({ status: "skipped", summary: "config invalid", details: {} }, 0);

  const timeoutMs = agent.timeoutMs ?? options.config.agents.timeoutMs;
  const controller = new AbortController();
  const ctx: AgentContext = {
    config: options.config,
    configValid: options.configValid,
    configIssues: options.configIssues,
    configIssueCount: options.configIssueCount ?? options.configIssues.length,
    vaultDir: options.vaultDir,
    modelInProcess: options.modelInProcess ?? true,
    signal: controller.signal,
    log: options.log.withTag(agent.name),
    results: new Map(results),
  };
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The runner does not wait for an agent past its time: the abort asks it to stop, the result
  // is reported now, and whatever the agent settles to later is ignored.
  const timedOut = new Promise<AgentOutcome>((resolve) => {
    timer = setTimeout(() => {
      const error = new AgentTimeoutError(agent.name, timeoutMs);
      controller.abort(error);
      resolve({ status: "failed", summary: error.message, details: {} });
    }, timeoutMs);
  });
  const ran = (async () => agent.run(ctx))().then(
    (outcome) => outcome,
    (error: unknown): AgentOutcome => ({ status: "failed", summary: messageOf(error), details: {} }),
  );
  const outcome = await Promise.race([ran, timedOut]);
  clearTimeout(timer);
  return finished(outcome, performance.now() - started);
}

/** The summary names files, plugins and errors from outside Ember: shown, never obeyed, wherever it goes. */
function finished(outcome: AgentOutcome, ms: number): AgentResult {
  const summary = sanitizeLine(outcome.summary);
  return { ...outcome, summary, ms: Math.round(ms), at: new Date().toISOString() };
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] || "failed without a message";
}
