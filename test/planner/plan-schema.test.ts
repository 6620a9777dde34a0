import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { LlmError, PlanParseError } from "../../src/llm/errors.ts";
import {
  createPlanGrammar,
  fitPlanLimits,
  forcedPlanText,
  isCompletePlan,
  PLAN_OPENING,
  PLAN_SHAPES,
  parsePlan,
  planTokenBias,
  planTokenBound,
} from "../../src/planner/plan-schema.ts";
import { openTinyBridge } from "../helpers/models.ts";

const NAMES = ["status", "search", "history"];

describe("plan parsing", () => {
  test("a plan is the command list alone", () => {
    const plan = parsePlan('{"commands":[{"name":"status","args":[]}]}', NAMES, 4);
    expect(plan).toEqual({ commands: [{ name: "status", args: [] }] });
    expect(parsePlan('{"commands":[]}', NAMES, 4)).toEqual({ commands: [] });
  });

  test("rejects other names, too many commands, the old response field and non-JSON, as an LlmError", () => {
    expect(() => parsePlan('{"commands":[{"name":"config","args":[]}]}', NAMES, 4)).toThrow(PlanParseError);
    const five = JSON.stringify({ commands: Array(5).fill({ name: "status", args: [] }) });
    expect(() => parsePlan(five, NAMES, 4)).toThrow("commands");
    expect(() => parsePlan('{"response":"hi","commands":[]}', NAMES, 4)).toThrow("response");
    expect(() => parsePlan('{"commands":', NAMES, 4)).toThrow("not JSON");
    expect(() => parsePlan("[", NAMES, 4)).toThrow(LlmError);
  });

  test("the token bound is the length of the longest rest after the opening", () => {
    const limits = { ...PLAN_SHAPES[0]!, commands: 4 };
    const longest = JSON.stringify({
      commands: Array(4).fill({
        name: "history",
        args: Array(limits.argsPerCommand).fill("y".repeat(limits.argChars)),
      }),
    });
    expect(longest.startsWith(PLAN_OPENING)).toBe(true);
    expect(planTokenBound(NAMES, limits)).toBe(longest.length - PLAN_OPENING.length);
    const rest = longest.slice(PLAN_OPENING.length);
    expect(isCompletePlan(rest)).toBe(true);
    expect(isCompletePlan(rest.slice(0, -1))).toBe(false);
    expect(isCompletePlan("]}")).toBe(true);
  });
});

describe("forced plan text: what the grammar admits as the only way on", () => {
  const names = ["status", "search", "history", "logs", "log"];
  const limits = { commands: 2, argsPerCommand: 2, argChars: 4 };
  const forced = (rest: string) => forcedPlanText(rest, names, limits);

  test("the fixed parts of an item, and a name once its start tells which", () => {
    expect(forced("")).toBe("");
    expect(forced("]")).toBe("}");
    expect(forced("{")).toBe('"name":"');
    expect(forced('{"name":"s')).toBe("");
    expect(forced('{"name":"st')).toBe('atus","args":[');
    expect(forced('{"name":"h')).toBe('istory","args":[');
    // `log` may stop there or go on to `logs`.
    expect(forced('{"name":"log')).toBe("");
    expect(forced('{"name":"logs')).toBe('","args":[');
    expect(forced('{"name":"status","args":[')).toBe("");
    expect(forced('{"name":"status","args":[]')).toBe("}");
    expect(forced('{"name":"status","args":[]},')).toBe('{"name":"');
  });

  test("bounds force closings: a full argument, a full argument list, a full command list", () => {
    expect(forced('{"name":"status","args":["ab')).toBe("");
    expect(forced('{"name":"status","args":["abcd')).toBe('"');
    expect(forced('{"name":"status","args":["a","b"')).toBe("]}");
    expect(forced('{"name":"status","args":[]},{"name":"log","args":[]}')).toBe("]}");
    expect(forcedPlanText("", [], limits)).toBe("]}");
  });

  test("nothing after a whole plan or after text the grammar does not admit", () => {
    expect(forced('{"name":"status","args":[]}]}')).toBe("");
    expect(forced("xx")).toBe("");
    expect(forced('{"name":"config')).toBe("");
    expect(forced('{"name":"status","args":["a\\')).toBe("");
  });
});

test("a tight context gets tighter limits, and fewer commands before none", () => {
  const roomy = fitPlanLimits(NAMES, 4, 100_000)!;
  expect(roomy).toEqual({ ...PLAN_SHAPES[0]!, commands: 4 });
  const tight = fitPlanLimits(NAMES, 4, planTokenBound(NAMES, { ...PLAN_SHAPES[1]!, commands: 4 }))!;
  expect(tight).toEqual({ ...PLAN_SHAPES[1]!, commands: 4 });
  const tighter = fitPlanLimits(NAMES, 4, 100)!;
  expect(planTokenBound(NAMES, tighter)).toBeLessThanOrEqual(100);
  expect(fitPlanLimits(NAMES, 4, 20)).toBeUndefined();
});

describe("grammar-constrained plans from a real model", () => {
  let bridge: LlamaBridge;
  beforeAll(async () => {
    bridge = await openTinyBridge(2048);
  });
  afterAll(() => bridge.dispose());

  test("after the opening, always close the list within the bound, parse, and name only allowed commands", async () => {
    const limits = { ...PLAN_SHAPES[0]!, commands: 4 };
    const grammar = await createPlanGrammar(bridge.model.llama, NAMES, limits);
    const bound = planTokenBound(NAMES, limits);
    const named = new Set<string>();
    let forcedSome = false;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const prompt = [
        ...bridge.renderChat([
          { type: "system", text: "Plan with JSON." },
          { type: "user", text: `question number ${seed}: is the node healthy?` },
        ]),
        ...bridge.model.tokenize(PLAN_OPENING, false, "trimLeadingSpace"),
      ];
      const generation = await bridge.generate(prompt, {
        maxTokens: bound,
        temperature: 1,
        topP: 1,
        seed,
        grammar,
        tokenBias: planTokenBias(bridge.model),
        isComplete: isCompletePlan,
        forced: (rest) => forcedPlanText(rest, NAMES, limits),
      });
      expect(generation.stopReason).toBe("complete");
      expect(generation.tokens.length).toBeLessThanOrEqual(bound);
      expect(generation.generatedTokens + generation.forcedTokens).toBe(generation.tokens.length);
      if (JSON.parse(PLAN_OPENING + generation.text).commands.length > 0)
        forcedSome ||= generation.forcedTokens > 0;
      const plan = parsePlan(PLAN_OPENING + generation.text, NAMES, 4);
      expect(plan.commands.length).toBeLessThanOrEqual(4);
      for (const command of plan.commands) {
        named.add(command.name);
        expect(NAMES).toContain(command.name);
        expect(command.args.length).toBeLessThanOrEqual(limits.argsPerCommand);
        for (const arg of command.args) expect(arg.length).toBeLessThanOrEqual(limits.argChars);
      }
    }
    // Random weights still pick commands now and then: the grammar admits them, not only `]}`.
    expect(named.size).toBeGreaterThan(0);
    // A named command's fixed parts were added, not decoded, and the grammar went on past them.
    expect(forcedSome).toBe(true);
  }, 120_000);

  test("with no planner-allowed command the only plan is the empty list", async () => {
    const grammar = await createPlanGrammar(bridge.model.llama, [], { ...PLAN_SHAPES[0]!, commands: 4 });
    const prompt = [
      ...bridge.renderChat([{ type: "user", text: "anything" }]),
      ...bridge.model.tokenize(PLAN_OPENING, false, "trimLeadingSpace"),
    ];
    const generation = await bridge.generate(prompt, {
      maxTokens: 8,
      temperature: 1,
      topP: 1,
      seed: 3,
      grammar,
      tokenBias: planTokenBias(bridge.model),
      isComplete: isCompletePlan,
    });
    expect(generation.text).toBe("]}");
  }, 120_000);
});
