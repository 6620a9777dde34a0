import { afterAll, describe, expect, test } from "bun:test";
import type { AgentName } from "../../src/agents/names.ts";
import { runAgentOnDemand, runBootAgents } from "../../src/agents/runner.ts";
import type { Agent, AgentContext, AgentOutcome, AgentResult } from "../../src/agents/types.ts";
import type { Config } from "../../src/config/schema.ts";
import { memoryLog, tempDir, testConfig } from "./context.ts";

const vault = tempDir();
afterAll(vault.cleanup);

const ok = (summary = "fine"): AgentOutcome => ({ status: "ok", summary, details: {} });

function agent(name: AgentName, run: Agent["run"], extra: Partial<Agent> = {}): Agent {
  return { name, summary: name, triggers: ["boot", "demand"], requiresReady: false, run, ...extra };
}

function options(
  agents: Agent[],
  extra: { config?: Config; configValid?: boolean; previous?: Map<AgentName, AgentResult> } = {},
) {
  const { log, events } = memoryLog();
  return {
    events,
    opts: {
      config: extra.config ?? testConfig(vault.dir),
      configValid: extra.configValid ?? true,
      configIssues: [],
      vaultDir: vault.dir,
      log,
      agents,
      previous: extra.previous,
    },
  };
}

describe("runBootAgents", () => {
  test("runs every boot agent and returns their results in agent order", async () => {
    const agents = [
      agent("core", async () => ok("core ran")),
      agent("network", async () => ok("network ran")),
      agent("metrics", async () => ok("never"), { triggers: ["demand"] }),
    ];
    const results = await runBootAgents(options(agents).opts);
    expect([...results.keys()]).toEqual(["core", "network"]);
    expect(results.get("core")).toMatchObject({ status: "ok", summary: "core ran" });
    expect(typeof results.get("core")?.ms).toBe("number");
    expect(Number.isNaN(Date.parse(results.get("core")?.at ?? ""))).toBe(false);
  });

  test("a dependency finishes before its dependent starts, and the dependent sees its result", async () => {
    const order: string[] = [];
    let seen: AgentResult | undefined;
    const agents = [
      agent(
        "core",
        async (ctx) => {
          order.push("core start");
          seen = ctx.results.get("provision");
          return ok();
        },
        { dependsOn: ["provision"] },
      ),
      agent("provision", async () => {
        order.push("provision start");
        await Bun.sleep(20);
        order.push("provision end");
        return ok("made");
      }),
    ];
    await runBootAgents(options(agents).opts);
    expect(order).toEqual(["provision start", "provision end", "core start"]);
    expect(seen?.summary).toBe("made");
  });

  test("independent agents run concurrently", async () => {
    // Each waits for the other to start: run one after the other, both would time out.
    let release: { a?: () => void; b?: () => void } = {};
    const started = {
      a: new Promise<void>((r) => (release.a = r)),
      b: new Promise<void>((r) => (release.b = r)),
    };
    const agents = [
      agent("core", async () => {
        release.a?.();
        await started.b;
        return ok();
      }),
      agent("network", async () => {
        release.b?.();
        await started.a;
        return ok();
      }),
    ];
    const config = testConfig(vault.dir, (c) => {
      c.agents.timeoutMs = 2000;
    });
    const results = await runBootAgents(options(agents, { config }).opts);
    expect(results.get("core")?.status).toBe("ok");
    expect(results.get("network")?.status).toBe("ok");
    release = {};
  });

  test("an agent past its timeout fails, is aborted, and is not waited for", async () => {
    let signal: AbortSignal | undefined;
    let finished = false;
    const agents = [
      agent(
        "network",
        async (ctx) => {
          signal = ctx.signal;
          // Ignores the abort on purpose: the runner must not wait for it.
          await Bun.sleep(3000);
          finished = true;
          return ok();
        },
        { timeoutMs: 50 },
      ),
    ];
    const results = await runBootAgents(options(agents).opts);
    expect(results.get("network")).toMatchObject({ status: "failed", summary: "timed out after 50 ms" });
    expect(signal?.aborted).toBe(true);
    expect(finished).toBe(false);
  });

  test("agents.timeoutMs applies when the agent sets none", async () => {
    const config = testConfig(vault.dir, (c) => {
      c.agents.timeoutMs = 30;
    });
    const agents = [
      agent(
        "core",
        (ctx) =>
          new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
      ),
    ];
    const results = await runBootAgents(options(agents, { config }).opts);
    expect(results.get("core")).toMatchObject({ status: "failed", summary: "timed out after 30 ms" });
  });

  test("an agent that throws or rejects fails with its message, and the others still run", async () => {
    const agents = [
      agent("core", async () => {
        throw new Error("vault exploded\nstack detail");
      }),
      agent("network", () => {
        throw new Error("thrown before any promise");
      }),
      agent("metrics", async () => ok("still here")),
    ];
    const results = await runBootAgents(options(agents).opts);
    expect(results.get("core")).toMatchObject({ status: "failed", summary: "vault exploded" });
    expect(results.get("network")).toMatchObject({ status: "failed", summary: "thrown before any promise" });
    expect(results.get("metrics")?.status).toBe("ok");
  });

  test("disabled agents are skipped; `disabled` wins over `enabled`", async () => {
    let ran = 0;
    const run = async () => {
      ran++;
      return ok();
    };
    const config = testConfig(vault.dir, (c) => {
      c.agents.enabled = ["core", "network"];
      c.agents.disabled = ["network"];
    });
    const agents = [agent("core", run), agent("network", run), agent("metrics", run)];
    const results = await runBootAgents(options(agents, { config }).opts);
    expect(results.get("core")?.status).toBe("ok");
    expect(results.get("network")).toMatchObject({ status: "skipped", summary: "disabled" });
    expect(results.get("metrics")).toMatchObject({ status: "skipped", summary: "disabled" });
    expect(ran).toBe(1);
  });

  test("agents that need a valid config are skipped while it is invalid", async () => {
    const agents = [
      agent("plugin", async () => ok(), { requiresReady: true }),
      agent("provision", async () => ok("ran anyway")),
    ];
    const results = await runBootAgents(options(agents, { configValid: false }).opts);
    expect(results.get("plugin")).toMatchObject({ status: "skipped", summary: "config invalid" });
    expect(results.get("provision")).toMatchObject({ status: "ok", summary: "ran anyway" });
  });

  test("a dependency cycle fails the agents on it instead of hanging", async () => {
    const agents = [
      agent("core", async () => ok(), { dependsOn: ["network"] }),
      agent("network", async () => ok(), { dependsOn: ["core"] }),
      agent("metrics", async () => ok(), { dependsOn: ["core"] }),
    ];
    const results = await runBootAgents(options(agents).opts);
    expect(results.get("core")?.status).toBe("failed");
    expect(results.get("core")?.summary).toContain("dependency cycle: core -> network -> core");
    expect(results.get("metrics")?.status).toBe("ok");
  });

  test("logs each result at info with its time", async () => {
    const { opts, events } = options([agent("core", async () => ok("all good"))]);
    await runBootAgents(opts);
    const event = events.find((e) => e.args.some((a) => typeof a === "object" && a?.agent === "core"));
    expect(event?.type).toBe("info");
    expect(event?.args[0]).toBe("agent core: ok (all good)");
    expect(event?.args[1]).toMatchObject({ agent: "core", status: "ok" });
    expect(typeof (event?.args[1] as { ms?: unknown } | undefined)?.ms).toBe("number");
  });
});

describe("runAgentOnDemand", () => {
  const counting = () => {
    const runs: string[] = [];
    const make = (name: AgentName, extra: Partial<Agent> = {}) =>
      agent(
        name,
        async (ctx: AgentContext) => {
          runs.push(name);
          return ok(`${name} saw ${[...ctx.results.keys()].join(",")}`);
        },
        extra,
      );
    return {
      runs,
      agents: [
        make("core", { dependsOn: ["provision"] }),
        make("provision", { triggers: ["boot"] }),
        make("network"),
      ],
    };
  };

  test("runs the agent and its missing dependencies, nothing else", async () => {
    const { runs, agents } = counting();
    const results = await runAgentOnDemand("core", options(agents).opts);
    expect(runs).toEqual(["provision", "core"]);
    expect([...results.keys()]).toEqual(["core", "provision"]);
    expect(results.get("core")?.summary).toBe("core saw provision");
  });

  test("reuses a dependency's earlier result but always re-runs the agent asked for", async () => {
    const { runs, agents } = counting();
    const earlier: AgentResult = {
      status: "ok",
      summary: "earlier",
      details: {},
      ms: 1,
      at: new Date().toISOString(),
    };
    const previous = new Map<AgentName, AgentResult>([
      ["provision", earlier],
      ["core", { ...earlier, summary: "old core" }],
    ]);
    const results = await runAgentOnDemand("core", options(agents, { previous }).opts);
    expect(runs).toEqual(["core"]);
    expect([...results.keys()]).toEqual(["core"]);
    expect(results.get("core")?.summary).toBe("core saw provision,core");
  });

  test("a disabled agent asked for by name runs (the operator asked); at boot it is skipped", async () => {
    const { runs, agents } = counting();
    const config = testConfig(vault.dir, (c) => {
      c.agents.disabled = ["network"];
    });
    const results = await runAgentOnDemand("network", options(agents, { config }).opts);
    expect(results.get("network")?.status).toBe("ok");
    expect(runs).toContain("network");
    const boot = await runBootAgents(options(agents, { config }).opts);
    expect(boot.get("network")).toMatchObject({ status: "skipped", summary: "disabled" });
  });

  test("an agent the runner does not know fails without throwing", async () => {
    const results = await runAgentOnDemand("toolchain", options([]).opts);
    expect(results.get("toolchain")).toMatchObject({ status: "failed", summary: "no agent named toolchain" });
  });
});
