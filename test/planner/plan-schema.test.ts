import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LlamaBridge } from "../../src/llm/bridge.ts";
import {
  createPlanGrammar,
  fitPlanLimits,
  isCompleteJson,
  PLAN_SHAPES,
  PlanParseError,
  parsePlan,
  planTokenBias,
  planTokenBound,
} from "../../src/planner/plan-schema.ts";
import { TEST_THREADS, testLlama, tinyModelPath } from "../helpers/models.ts";

const NAMES = ["status", "search", "history"];

describe("plan parsing", () => {
  test("accepts a plan naming allowed commands", () => {
    const plan = parsePlan(
      '{"response": "checking", "commands": [{"name": "status", "args": []}]}',
      NAMES,
      4,
    );
    expect(plan.commands).toEqual([{ name: "status", args: [] }]);
  }, 120_000);

  test("rejects other names, too many commands and non-JSON with PlanParseError", () => {
    expect(() =>
      parsePlan('{"response": "", "commands": [{"name": "config", "args": []}]}', NAMES, 4),
    ).toThrow(PlanParseError);
    const five = JSON.stringify({ response: "", commands: Array(5).fill({ name: "status", args: [] }) });
    expect(() => parsePlan(five, NAMES, 4)).toThrow("commands");
    expect(() => parsePlan('{"response": ', NAMES, 4)).toThrow("not JSON");
  }, 120_000);

  test("the token bound covers the longest plan the limits allow", () => {
    const limits = { ...PLAN_SHAPES[0]!, commands: 4 };
    const longest = JSON.stringify({
      response: "x".repeat(limits.responseChars),
      commands: Array(4).fill({
        name: "history",
        args: Array(limits.argsPerCommand).fill("y".repeat(limits.argChars)),
      }),
    });
    expect(planTokenBound(NAMES, limits)).toBeGreaterThan(longest.length);
    expect(isCompleteJson(longest)).toBe(true);
    expect(isCompleteJson(longest.slice(0, -1))).toBe(false);
  }, 120_000);
});

test("a tight context gets tighter limits, and fewer commands before none", () => {
  const roomy = fitPlanLimits(NAMES, 4, 100_000)!;
  expect(roomy).toEqual({ ...PLAN_SHAPES[0]!, commands: 4 });
  const tight = fitPlanLimits(NAMES, 4, planTokenBound(NAMES, { ...PLAN_SHAPES[1]!, commands: 4 }))!;
  expect(tight).toEqual({ ...PLAN_SHAPES[1]!, commands: 4 });
  const tighter = fitPlanLimits(NAMES, 4, 200)!;
  expect(planTokenBound(NAMES, tighter)).toBeLessThanOrEqual(200);
  expect(fitPlanLimits(NAMES, 4, 20)).toBeUndefined();
});

describe("grammar-constrained plans from a real model", () => {
  let bridge: LlamaBridge;
  beforeAll(async () => {
    const llama = await testLlama();
    bridge = await LlamaBridge.open({
      modelPath: tinyModelPath(),
      threads: TEST_THREADS,
      contextSize: 2048,
      llama,
    });
  });
  afterAll(() => bridge.dispose());

  test("always complete within the bound, parse, and name only planner-allowed commands", async () => {
    const limits = { ...PLAN_SHAPES[0]!, commands: 4 };
    const grammar = await createPlanGrammar(bridge.model.llama, NAMES, limits);
    const bound = planTokenBound(NAMES, limits);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const prompt = bridge.renderChat([
        { type: "system", text: "Plan with JSON." },
        { type: "user", text: `question number ${seed}: is the node healthy?` },
      ]);
      const generation = await bridge.generate(prompt, {
        maxTokens: bound,
        temperature: 1,
        topP: 1,
        seed,
        grammar,
        tokenBias: planTokenBias(bridge.model),
        isComplete: isCompleteJson,
      });
      expect(generation.stopReason).toBe("complete");
      expect(generation.generatedTokens).toBeLessThanOrEqual(bound);
      const plan = parsePlan(generation.text, NAMES, 4);
      for (const command of plan.commands) {
        expect(NAMES).toContain(command.name);
      }
      expect(plan.response.length).toBeLessThanOrEqual(limits.responseChars);
    }
  }, 120_000);
});
