import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import type { CommandSource, SlashCommand } from "../../src/commands/types.ts";
import { LlamaBridge } from "../../src/llm/bridge.ts";
import { PrefixCache } from "../../src/llm/prefix-cache.ts";
import { ConversationMemory } from "../../src/planner/memory.ts";
import { type Plan, parsePlan } from "../../src/planner/plan-schema.ts";
import { runTurn, type TurnResult } from "../../src/planner/turn.ts";
import { tempApp } from "../helpers/app.ts";
import { TEST_THREADS, testLlama, tinyModelPath } from "../helpers/models.ts";

const calls: { source: CommandSource; args: readonly string[] }[] = [];

/** A planner-allowed command that says who ran it. */
const probeCommand: SlashCommand = {
  name: "probe",
  summary: "test probe",
  usage: "/probe [ARGS]",
  plannerAllowed: true,
  requiresReady: false,
  run(args, { source, out }) {
    calls.push({ source, args });
    out.line(`probe ran as ${source} with ${args.join(",") || "no args"}`);
  },
};

/** Runs until the turn's signal fires (the timeout, or Ctrl-C). */
const slowCommand: SlashCommand = {
  name: "slow",
  summary: "waits until aborted",
  usage: "/slow",
  plannerAllowed: true,
  requiresReady: false,
  run: (_args, { signal }) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    }),
};

let bridge: LlamaBridge;
let app: App;
let vault: string;
let cleanup: () => void;

async function setup(env: Record<string, string> = {}) {
  const made = await tempApp({ LLAMA_CPP_CONTEXT: "2048", ...env });
  made.app.commands.register(probeCommand);
  made.app.commands.register(slowCommand);
  writeFileSync(
    join(made.vault, "README.md"),
    "# Node\n\nThis node runs Ember. /status tells whether it is healthy.\n",
  );
  return made;
}

beforeAll(async () => {
  ({ app, vault, cleanup } = await setup());
  bridge = await LlamaBridge.open({
    modelPath: tinyModelPath(),
    threads: TEST_THREADS,
    contextSize: 2048,
    llama: await testLlama(),
  });
});
afterAll(async () => {
  await bridge.dispose();
  cleanup();
});

function deps(memory = new ConversationMemory({ vaultDir: vault })) {
  return { app, bridge, memory, prefixCache: new PrefixCache({ vaultDir: vault }) };
}

function expectConsistent(result: TurnResult) {
  for (const pass of result.timings.passes)
    expect(pass.evaluatedTokens + pass.reusedTokens).toBe(pass.promptTokens);
  const t = result.timings;
  expect(t.evaluatedTokens).toBe(t.promptTokens - t.reusedTokens);
}

describe("a turn", () => {
  test("acts on the plan: commands run as the planner, output is captured, the answer streams", async () => {
    calls.length = 0;
    const plan: Plan = { response: "checking", commands: [{ name: "probe", args: ["a", "b"] }] };
    const started: string[] = [];
    const streamed: string[] = [];
    const result = await runTurn(deps(), {
      question: "is the node healthy?",
      plan,
      events: { onCommandStart: (line) => started.push(line), onAnswerText: (text) => streamed.push(text) },
    });
    expect(calls).toEqual([{ source: "planner", args: ["a", "b"] }]);
    expect(started).toEqual(["/probe a b"]);
    expect(result.commands).toHaveLength(1);
    expect(result.commands[0]).toMatchObject({ name: "probe", args: ["a", "b"], ok: true });
    expect(result.commands[0]?.output).toBe("probe ran as planner with a,b");
    expect(result.answeredBy).toBe("responder");
    expect(streamed.join("").trim()).toBe(result.response);
    expect(result.timings.passes.map((p) => p.pass)).toEqual(["plan", "respond"]);
    expectConsistent(result);
  }, 120_000);

  test("a command the planner may not run is refused and shown; with nothing run the plan answers", async () => {
    const plan: Plan = {
      response: "I would change the config.",
      commands: [{ name: "config", args: ["show"] }],
    };
    const result = await runTurn(deps(), { question: "change the config", plan });
    expect(result.commands[0]?.refused).toContain("not allowed for the planner");
    expect(result.commands[0]?.output).toContain("not allowed for the planner");
    expect(result.answeredBy).toBe("plan");
    expect(result.response).toBe("I would change the config.");
    expect(result.timings.passes.map((p) => p.pass)).toEqual(["plan"]);
  }, 120_000);

  test("a generated plan is valid JSON naming only planner-allowed commands", async () => {
    const allowed = app.commands.plannerAllowed().map((c) => c.name);
    for (const seed of [1, 2, 3]) {
      calls.length = 0;
      const result = await runTurn(deps(), { question: `is the node healthy? (${seed})`, seed });
      const reparsed = parsePlan(
        JSON.stringify(result.plan),
        allowed,
        app.settings.config.llm.maxPlannedCommands,
      );
      expect(reparsed).toEqual(result.plan);
      for (const command of result.commands) {
        expect(allowed).toContain(command.name);
        expect(command.refused).toBeUndefined();
      }
      expect(result.timings.passes[0]?.generatedTokens).toBeGreaterThan(0);
      expectConsistent(result);
    }
  }, 120_000);

  test("turn 2 evaluates only its new tokens; the responder reuses the whole planner prompt", async () => {
    await bridge.sequence.clearHistory();
    const memory = new ConversationMemory({ vaultDir: vault });
    const plan: Plan = { response: "checking", commands: [{ name: "probe", args: [] }] };
    const one = await runTurn(deps(memory), { question: "first question about the node", plan });
    const two = await runTurn(deps(memory), { question: "and the second one?", plan });
    expectConsistent(one);
    expectConsistent(two);
    const [plan1, respond1] = one.timings.passes;
    const [plan2, respond2] = two.timings.passes;
    expect(one.timings.staticTokens).toBeGreaterThan(100);
    expect(two.timings.staticTokens).toBe(one.timings.staticTokens);
    // Turn 2 finds the static prefix in memory and evaluates only what follows it.
    expect(two.timings.prefix).toBe("memory");
    expect(plan2!.reusedTokens).toBeGreaterThanOrEqual(two.timings.staticTokens);
    expect(plan2!.evaluatedTokens).toBe(plan2!.promptTokens - plan2!.reusedTokens);
    expect(plan2!.evaluatedTokens).toBeLessThan(plan2!.promptTokens - two.timings.staticTokens + 1);
    // Each responder pass starts with the planner prompt of its turn, already evaluated.
    expect(respond1!.reusedTokens).toBeGreaterThanOrEqual(plan1!.promptTokens);
    expect(respond2!.reusedTokens).toBeGreaterThanOrEqual(plan2!.promptTokens);
    console.log("token counts", JSON.stringify({ turn1: one.timings.passes, turn2: two.timings.passes }));
  }, 120_000);

  test("history from turn 1 feeds turn 2 and both are in the session transcript", async () => {
    const memory = new ConversationMemory({ vaultDir: vault, session: "history-test" });
    await runTurn(deps(memory), {
      question: "what is the uptime?",
      plan: { response: "Up 3 days.", commands: [] },
    });
    expect(memory.renderHistory(500, (t) => t.length)).toContain(
      "Operator: what is the uptime?\nEmber: Up 3 days.",
    );
    const lines = readFileSync(memory.transcriptPath, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ question: "what is the uptime?", answer: "Up 3 days." });
  }, 120_000);

  test("Ctrl-C during the answer stops it at once and keeps the partial answer", async () => {
    const controller = new AbortController();
    const streamed: string[] = [];
    const result = await runTurn(deps(), {
      question: "tell me everything",
      plan: { response: "", commands: [{ name: "probe", args: [] }] },
      signal: controller.signal,
      events: {
        onAnswerText: (text) => {
          streamed.push(text);
          controller.abort(new Error("Ctrl-C"));
        },
      },
    });
    expect(result.stopped).toBe("interrupted");
    // No token after the one that completed the first visible text; with a byte-fallback vocabulary
    // that text can take up to 4 tokens (one UTF-8 character split into bytes).
    expect(result.timings.passes[1]!.generatedTokens).toBeLessThanOrEqual(4);
    expect(result.response).toBe(streamed.join(""));
  }, 120_000);
});

describe("a turn with a 1 s timeout", () => {
  let slowApp: App;
  let slowVault: string;
  let done: () => void;
  beforeAll(async () => {
    ({ app: slowApp, vault: slowVault, cleanup: done } = await setup({ LLAMA_CPP_TIMEOUT: "1" }));
  });
  afterAll(() => done());

  test("stops with stopped = timeout instead of hanging or throwing", async () => {
    const result = await runTurn(
      { app: slowApp, bridge, memory: new ConversationMemory({ vaultDir: slowVault }) },
      { question: "wait forever", plan: { response: "", commands: [{ name: "slow", args: [] }] } },
    );
    expect(result.stopped).toBe("timeout");
    expect(result.commands.map((c) => c.name)).toEqual(["slow"]);
  }, 120_000);
});
