import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import type { CommandSource, SlashCommand } from "../../src/commands/types.ts";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { Conversation } from "../../src/llm/conversation.ts";
import { STATE_LIMITS, StateFiles } from "../../src/llm/state-files.ts";
import { type Plan, parsePlan } from "../../src/planner/plan-schema.ts";
import { Transcript } from "../../src/planner/transcript.ts";
import { runTurn, type TurnResult } from "../../src/planner/turn.ts";
import { updateIndex } from "../../src/vault/index.ts";
import { tempApp } from "../helpers/app.ts";
import { openTinyBridge } from "../helpers/models.ts";

const calls: { source: CommandSource; args: readonly string[] }[] = [];

/** A planner-allowed command that says who ran it and with which arguments. */
const probeCommand: SlashCommand = {
  name: "probe",
  summary: "test probe",
  usage: "/probe [ARGS]",
  plannerAllowed: true,
  requiresReady: false,
  run(args, { source, out }) {
    calls.push({ source, args });
    out.line(`probe ran as ${source} with ${args.join("|") || "no args"}`);
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

/** Far more output than the context holds. */
const floodCommand: SlashCommand = {
  name: "flood",
  summary: "floods",
  usage: "/flood",
  plannerAllowed: true,
  requiresReady: false,
  run(_args, { out }) {
    for (let i = 0; i < 2000; i++) out.line(`line ${i} of a very long command output`);
  },
};

let bridge: LlamaBridge;
let app: App;
let vault: string;
let cleanup: () => void;

async function setup(env: Record<string, string> = {}) {
  const made = await tempApp({ LLAMA_CPP_CONTEXT: "2048", ...env });
  made.app.commands.register(probeCommand);
  made.app.commands.register(slowCommand);
  made.app.commands.register(floodCommand);
  writeFileSync(
    join(made.vault, "README.md"),
    "# Node\n\nThis node runs Ember. /status tells whether it is healthy.\n",
  );
  mkdirSync(join(made.vault, "docs"), { recursive: true });
  writeFileSync(join(made.vault, "docs", "antenna.md"), "# Antenna\n\nThe antenna mast is 12 m tall.\n");
  await updateIndex(made.vault);
  return made;
}

beforeAll(async () => {
  ({ app, vault, cleanup } = await setup());
  bridge = await openTinyBridge(2048);
});
afterAll(async () => {
  await bridge.dispose();
  cleanup();
});

function session(name?: string) {
  return {
    app,
    conversation: new Conversation({ bridge }),
    transcript: new Transcript({ vaultDir: vault, ...(name ? { session: name } : {}) }),
    prefixCache: new StateFiles({ vaultDir: vault, ...STATE_LIMITS.prefix }),
  };
}

function expectConsistent(result: TurnResult) {
  for (const pass of result.timings.passes) {
    expect(pass.evaluatedTokens + pass.reusedTokens).toBe(pass.promptTokens);
    expect(pass.reusedTokens).toBeGreaterThanOrEqual(0);
  }
  for (const value of Object.values(result.timings))
    if (typeof value === "number") expect(value).toBeGreaterThanOrEqual(0);
}

describe("a turn", () => {
  test("planned commands reach the registry as structured calls; the answer streams after their output", async () => {
    calls.length = 0;
    const plan: Plan = { commands: [{ name: "probe", args: ["disk full", "x"] }] };
    const started: string[] = [];
    const streamed: string[] = [];
    const result = await runTurn(session(), {
      question: "is the disk full?",
      plan,
      events: { onCommandStart: (line) => started.push(line), onAnswerText: (text) => streamed.push(text) },
    });
    // Two arguments, as planned: never joined into a line and split again.
    expect(calls).toEqual([{ source: "planner", args: ["disk full", "x"] }]);
    expect(started).toEqual(['/probe "disk full" x']);
    expect(result.commands[0]).toMatchObject({ name: "probe", args: ["disk full", "x"], ok: true });
    expect(result.commands[0]?.output).toBe("probe ran as planner with disk full|x");
    expect(result.answeredBy).toBe("responder");
    expect(streamed.join("").trim()).toBe(result.response);
    expect(result.timings.passes.map((p) => p.pass)).toEqual(["plan", "respond"]);
    expectConsistent(result);
  }, 120_000);

  test("a command the planner may not run is refused, and the answer comes after the refusal", async () => {
    const result = await runTurn(session(), {
      question: "change the config",
      plan: { commands: [{ name: "config", args: ["show"] }] },
    });
    expect(result.commands[0]?.refused).toContain("not allowed for the planner");
    expect(result.answeredBy).toBe("responder");
  }, 120_000);

  test("an empty plan: the answer follows at once in the same reply, free text up to llm.maxTokens", async () => {
    const { conversation, ...rest } = session();
    const streamed: string[] = [];
    const result = await runTurn(
      { ...rest, conversation },
      {
        question: "what is the antenna height?",
        plan: { commands: [] },
        seed: 2,
        events: { onAnswerText: (t) => streamed.push(t) },
      },
    );
    expect(result.answeredBy).toBe("plan");
    expect(result.timings.passes.map((p) => p.pass)).toEqual(["plan", "respond"]);
    // The tiny model rambles: the answer runs to llm.maxTokens (128), no 320-character ASCII cap.
    expect(result.timings.passes[1]!.generatedTokens).toBe(app.settings.config.llm.maxTokens);
    expect(result.response).toBe(streamed.join("").trim());
    expect(result.timings.firstAnswerMs).not.toBeNull();
    // No command ran: nothing is decoded before the answer but the answer's own first token(s).
    expect(result.timings.decodedBeforeAnswer).toBeLessThanOrEqual(4);
    // The reply holds the plan and the answer, one after the other.
    const text = bridge.model.detokenize(conversation.tokens.slice(conversation.staticTokens), true);
    expect(text).toContain('{"commands":[]}\n');
    expectConsistent(result);
  }, 120_000);

  test("command output too long for the context is cut, once, to fit beside a full answer", async () => {
    const deps = session();
    const result = await runTurn(deps, {
      question: "flood me",
      plan: { commands: [{ name: "flood", args: [] }] },
    });
    expect(result.stopped).toBeUndefined();
    expect(result.timings.passes[1]!.generatedTokens).toBeGreaterThan(0);
    const text = bridge.model.detokenize(
      deps.conversation.tokens.slice(deps.conversation.staticTokens),
      true,
    );
    expect(text).toContain("[… outputs cut to fit the context]");
    // The whole answer still fits: nothing was cut from it.
    expect(result.timings.contextTokens + app.settings.config.llm.maxTokens).toBeLessThanOrEqual(
      2048 + result.timings.passes[1]!.generatedTokens,
    );
  }, 120_000);

  test("generated plans are the command list alone, naming only planner-allowed commands", async () => {
    const allowed = app.commands.plannerAllowed().map((c) => c.name);
    for (const seed of [1, 2, 3]) {
      const result = await runTurn(session(), { question: `is the node healthy? (${seed})`, seed });
      expect(parsePlan(JSON.stringify(result.plan), allowed, 4)).toEqual(result.plan);
      for (const command of result.commands) expect(allowed).toContain(command.name);
      expect(result.timings.passes[0]!.generatedTokens).toBeGreaterThan(0);
      expectConsistent(result);
    }
  }, 120_000);

  test("turn 2 evaluates only what it adds; turn 1 stays in the context as it was; excerpts come once", async () => {
    await bridge.sequence.clearHistory();
    // No prefix cache: the static prefix is evaluated by turn 1, whichever tests ran before.
    const { prefixCache: _, ...deps } = session();
    const plan: Plan = { commands: [] };
    const one = await runTurn(deps, { question: "how tall is the antenna mast?", plan });
    const afterOne = [...deps.conversation.tokens];
    const two = await runTurn(deps, { question: "how tall is the antenna mast?", plan });
    expect(one.timings.prefix).toBe("evaluated");
    expect(two.timings.prefix).toBe("memory");
    expect(one.grounding.map((g) => g.file)).toContain("docs/antenna.md");
    expect(one.grounding[0]).toMatchObject({ file: "docs/antenna.md", heading: "Antenna" });
    expect(one.grounding[0]!.lines).toEqual([3, 3]);
    // Already in the context: used, not added again.
    expect(two.grounding).toEqual([{ ...one.grounding[0]!, held: true }]);
    // Append-only: turn 1's tokens are the start of turn 2's conversation.
    expect(deps.conversation.tokens.slice(0, afterOne.length)).toEqual(afterOne);
    const added = two.timings.contextTokens - one.timings.contextTokens;
    // Everything turn 2 evaluated or decoded is its own (give or take the one token a generation
    // leaves pending): nothing of turn 1 or the static prefix was evaluated again.
    expect(Math.abs(two.timings.evaluatedTokens + two.timings.generatedTokens - added)).toBeLessThanOrEqual(
      1,
    );
    expect(two.timings.reusedTokens).toBe(one.timings.contextTokens);
    expect(two.timings.evaluatedBeforeAnswer).toBeLessThan(added);
    expectConsistent(one);
    expectConsistent(two);
    console.log("turn figures", JSON.stringify({ one: one.timings, two: two.timings }));
  }, 120_000);

  test("every turn is a transcript line with its grounding and answer timings", async () => {
    const deps = session("transcript-test");
    await runTurn(deps, { question: "the antenna?", plan: { commands: [] } });
    const lines = readFileSync(deps.transcript.path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ session: "transcript-test", question: "the antenna?" });
    for (const key of ["firstAnswerMs", "evaluatedBeforeAnswer", "decodedBeforeAnswer"])
      expect(typeof lines[0].timings[key]).toBe("number");
    expect(Array.isArray(lines[0].grounding)).toBe(true);
  }, 120_000);

  test("Ctrl-C during the answer stops it at once and keeps the partial answer", async () => {
    const controller = new AbortController();
    const streamed: string[] = [];
    const result = await runTurn(session(), {
      question: "tell me everything",
      plan: { commands: [{ name: "probe", args: [] }] },
      signal: controller.signal,
      events: {
        onAnswerText: (text) => {
          streamed.push(text);
          controller.abort(new Error("Ctrl-C"));
        },
      },
    });
    expect(result.stopped).toBe("interrupted");
    // Stopped near its first visible text, far from the 128 an ignored Ctrl-C runs on to: leading
    // white space is not streamed, and a byte-fallback vocabulary can spend 4 tokens on a character
    // (the random model has been seen to take 9 tokens to its first visible text).
    expect(result.timings.passes[1]!.generatedTokens).toBeLessThanOrEqual(16);
    expect(result.response).toBe(streamed.join(""));
  }, 120_000);
});

describe("a turn with a 1 s timeout", () => {
  let slowApp: App;
  let done: () => void;
  beforeAll(async () => {
    ({ app: slowApp, cleanup: done } = await setup({ LLAMA_CPP_TIMEOUT: "1" }));
  });
  afterAll(() => done());

  test("stops with stopped = timeout instead of hanging or throwing; the conversation is as before", async () => {
    const conversation = new Conversation({ bridge });
    const deps = {
      app: slowApp,
      conversation,
      transcript: new Transcript({ vaultDir: slowApp.settings.vaultDir }),
    };
    await runTurn(deps, { question: "first", plan: { commands: [] } });
    const before = [...conversation.tokens];
    const result = await runTurn(deps, {
      question: "wait forever",
      plan: { commands: [{ name: "slow", args: [] }] },
    });
    expect(result.stopped).toBe("timeout");
    expect(result.commands.map((c) => c.name)).toEqual(["slow"]);
    // Stopped before any answer: the half turn is taken back out.
    expect(conversation.tokens).toEqual(before);
  }, 120_000);
});
