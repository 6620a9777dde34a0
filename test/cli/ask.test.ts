import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEmber } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function vault(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-ask-"));
  dirs.push(dir);
  writeFileSync(
    join(dir, "README.md"),
    "# Node\n\nThis node runs Ember; /status says whether it is healthy.\n",
  );
  mkdirSync(join(dir, "docs"));
  writeFileSync(join(dir, "docs", "wifi.md"), "# Wifi\n\nThe wifi password is on the label.\n");
  return dir;
}

interface AskPass {
  pass: string;
  promptTokens: number;
  evaluatedTokens: number;
  reusedTokens: number;
  generatedTokens: number;
}

function ask(dir: string, question: string, env: Record<string, string> = {}) {
  return runEmber(["ask", "--json", question], {
    vault: dir,
    env: { LLAMA_CPP_MODEL: tinyModelPath(), LLAMA_CPP_CONTEXT: "2048", NO_COLOR: "1", ...env },
  });
}

describe("ember ask", () => {
  test("--json prints plan, commands, answer and timings; a restarted process loads the saved prefix", async () => {
    const dir = vault();
    const first = await ask(dir, "is the node healthy?");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const one = JSON.parse(first.stdout);
    expect(Object.keys(one)).toEqual(expect.arrayContaining(["plan", "commands", "response", "timings"]));
    expect(Object.keys(one.plan)).toEqual(["response", "commands"]);
    for (const key of [
      "retrieveMs",
      "planMs",
      "actMs",
      "respondMs",
      "promptTokens",
      "evaluatedTokens",
      "reusedTokens",
      "generatedTokens",
    ])
      expect(typeof one.timings[key]).toBe("number");
    for (const command of one.commands)
      expect(Object.keys(command)).toEqual(expect.arrayContaining(["name", "args", "output", "ms"]));
    // The README line that matches is a core document, already in the prompt: used, not added again.
    expect(one.grounding).toEqual([
      {
        file: "README.md",
        lines: [3, 3],
        heading: "Node",
        tokens: expect.any(Number),
        score: expect.any(Number),
        held: true,
      },
    ]);
    const transcripts = readdirSync(join(dir, "logs", "transcripts"));
    const entry = JSON.parse(readFileSync(join(dir, "logs", "transcripts", transcripts[0]!), "utf8"));
    expect(entry.grounding).toEqual(one.grounding);
    expect(one.timings.prefix).toBe("evaluated");
    expect(readdirSync(join(dir, "state", "prefix-cache")).filter((n) => n.endsWith(".bin"))).toHaveLength(1);

    const second = await ask(dir, "is the node healthy?");
    expect(second.code).toBe(0);
    const two = JSON.parse(second.stdout);
    const static1 = one.timings.staticTokens as number;
    const plan1 = one.timings.passes[0] as AskPass;
    const plan2 = two.timings.passes[0] as AskPass;
    expect(two.timings.prefix).toBe("disk");
    expect(two.timings.staticTokens).toBe(static1);
    // The same question in a new process: the plan prompt is the same, and its static part is not evaluated.
    expect(plan1.evaluatedTokens).toBe(plan1.promptTokens);
    expect(plan2.promptTokens).toBe(plan1.promptTokens);
    expect(plan2.reusedTokens).toBeGreaterThanOrEqual(static1);
    expect(plan2.evaluatedTokens).toBe(plan1.evaluatedTokens - static1);
    expect(two.timings.evaluatedTokens).toBe(two.timings.promptTokens - two.timings.reusedTokens);
    console.log(
      "restart token counts",
      JSON.stringify({ first: one.timings.passes, restart: two.timings.passes, static: static1 }),
    );
    const log = readFileSync(join(dir, "logs", "ember.log"), "utf8");
    expect(log).toContain('"prefix loaded"');
    expect(log).toMatch(/"turn".*"evaluatedTokens"/);
  }, 120_000);

  test("without a model it says where it looked and how to get one, and exits 1", async () => {
    const dir = vault();
    const result = await runEmber(["ask", "hello"], { vault: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("no model found; looked in");
    expect(result.stderr).toContain(join(dir, "models"));
    expect(result.stderr).toContain("LLAMA_CPP_MODEL");
  }, 120_000);

  test("corrupt and truncated model files are one-line errors, not crashes", async () => {
    const dir = vault();
    const garbage = join(dir, "garbage.gguf");
    writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
    const truncated = join(dir, "cut.gguf");
    const bytes = readFileSync(tinyModelPath());
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const bad = await ask(dir, "hello", { LLAMA_CPP_MODEL: garbage });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`ember ask: model ${garbage}: not a GGUF file (wrong magic bytes)`);
    const cut = await ask(dir, "hello", { LLAMA_CPP_MODEL: truncated });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain(`ember ask: model ${truncated}: truncated`);
    expect(cut.stderr.trim().split("\n")).toHaveLength(1);
  }, 120_000);
});
