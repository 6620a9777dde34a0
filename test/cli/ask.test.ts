import { afterAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
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

function ask(dir: string, question: string, env: Record<string, string> = {}, flags: string[] = []) {
  // The vault's own copy: saved states name the model file, and test processes rewrite the shared one.
  const model = join(dir, "model.gguf");
  if (!existsSync(model)) copyFileSync(tinyModelPath(), model);
  return runEmber(["ask", "--json", ...flags, question], {
    vault: dir,
    env: { LLAMA_CPP_MODEL: model, LLAMA_CPP_CONTEXT: "2048", NO_COLOR: "1", ...env },
  });
}

describe("ember ask", () => {
  test("--json prints plan, commands, answer, grounding and timings; a restarted process loads the saved prefix", async () => {
    const dir = vault();
    const first = await ask(dir, "what is the wifi password on the label?");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const one = JSON.parse(first.stdout);
    expect(Object.keys(one)).toEqual(
      expect.arrayContaining([
        "session",
        "continued",
        "plan",
        "commands",
        "response",
        "grounding",
        "timings",
      ]),
    );
    expect(Object.keys(one.plan)).toEqual(["commands"]);
    expect(one.continued).toBe(false);
    for (const key of [
      "retrieveMs",
      "planMs",
      "actMs",
      "respondMs",
      "firstAnswerMs",
      "evaluatedBeforeAnswer",
      "decodedBeforeAnswer",
      "promptTokens",
      "evaluatedTokens",
      "reusedTokens",
      "generatedTokens",
    ])
      expect(typeof one.timings[key]).toBe("number");
    expect(one.grounding).toContainEqual({
      file: "docs/wifi.md",
      lines: [3, 3],
      heading: "Wifi",
      tokens: expect.any(Number),
      score: expect.any(Number),
    });
    for (const command of one.commands)
      expect(Object.keys(command)).toEqual(expect.arrayContaining(["name", "args", "output", "ms"]));
    // Only the excerpt new to the conversation: the wifi document, not the README (a core document).
    expect(one.grounding.map((g: { file: string }) => g.file)).toEqual(["docs/wifi.md"]);
    expect(one.timings.prefix).toBe("evaluated");
    expect(readdirSync(join(dir, "state", "prefix-cache")).filter((n) => n.endsWith(".bin"))).toHaveLength(1);
    const transcript = readFileSync(join(dir, "logs", "transcripts", `${one.session}.jsonl`), "utf8");
    const record = JSON.parse(transcript.trim());
    expect(record.grounding).toEqual(one.grounding);
    expect(record.timings.evaluatedBeforeAnswer).toBe(one.timings.evaluatedBeforeAnswer);

    const second = await ask(dir, "what is the wifi password on the label?");
    expect(second.code).toBe(0);
    const two = JSON.parse(second.stdout);
    // A new ask is a new conversation: a new session, the static prefix loaded from disk.
    expect(two.session).not.toBe(one.session);
    expect(two.timings.prefix).toBe("disk");
    expect(two.timings.staticTokens).toBe(one.timings.staticTokens);
    // The same question: its plan pass evaluated the same tokens but the static prefix.
    expect(two.timings.passes[0].evaluatedTokens).toBe(
      one.timings.passes[0].evaluatedTokens - one.timings.staticTokens,
    );
    const log = readFileSync(join(dir, "logs", "ember.log"), "utf8");
    expect(log).toContain('"prefix loaded"');
    expect(log).toMatch(/"turn".*"evaluatedTokens"/);
  }, 120_000);

  test("--continue carries on the last ask conversation: a follow-up evaluates only its own tokens", async () => {
    const dir = vault();
    const first = JSON.parse((await ask(dir, "what is the wifi password?")).stdout);
    const follow = await ask(dir, "and where is the label?", {}, ["--continue"]);
    expect(follow.stderr).toBe("");
    const two = JSON.parse(follow.stdout);
    expect(two.continued).toBe(true);
    expect(two.session).toBe(first.session);
    // The whole first turn came back from state/: the follow-up reused it and evaluated only its own.
    expect(two.timings.reusedTokens).toBe(first.timings.contextTokens);
    const added = two.timings.contextTokens - first.timings.contextTokens + two.timings.droppedTokens;
    // Everything it evaluated or decoded is its own. (A generation cut short leaves its last token
    // to be evaluated with the next prompt, so the plan and the answer may each count one twice.)
    expect(two.timings.evaluatedTokens + two.timings.generatedTokens).toBeLessThanOrEqual(added + 4);
    expect(two.timings.evaluatedTokens).toBeLessThan(first.timings.staticTokens);
    expect(two.timings.evaluatedBeforeAnswer).toBeLessThan(first.timings.evaluatedBeforeAnswer);
    const lines = readFileSync(join(dir, "logs", "transcripts", `${first.session}.jsonl`), "utf8")
      .trim()
      .split("\n");
    expect(lines).toHaveLength(2);
    console.log(
      "ask --continue figures",
      JSON.stringify({
        cold: first.timings.evaluatedBeforeAnswer,
        continued: two.timings.evaluatedBeforeAnswer,
      }),
    );

    // Another model: the saved state does not fit it, so the conversation starts afresh and says so.
    const other = join(dir, "other.gguf");
    copyFileSync(tinyModelPath({ seed: 2 }), other);
    const moved = await ask(dir, "still there?", { LLAMA_CPP_MODEL: other }, ["--continue"]);
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain("ember ask: the last ask conversation was saved with another model");
    expect(JSON.parse(moved.stdout).continued).toBe(false);
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
