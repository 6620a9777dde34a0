import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";

/**
 * Issue 11, row 8 (prompt templates): a template is a vault file, checked when it is loaded. One
 * without the question's placeholder, or written for the old plan, is one located line, never a
 * turn whose question silently never reaches the model; and a turn's counts are never negative.
 */

const vaults: string[] = [];
afterAll(() => {
  for (const v of vaults) rmSync(v, { recursive: true, force: true });
});

function vault(planner?: string): { dir: string; env: Record<string, string> } {
  const dir = tempVault();
  vaults.push(dir);
  writeFileSync(join(dir, "README.md"), "# Node\n\nThis node runs Ember.\n");
  if (planner !== undefined) {
    mkdirSync(join(dir, "prompts"));
    writeFileSync(join(dir, "prompts", "planner.prompt"), planner);
  }
  copyFileSync(tinyModelPath(), join(dir, "model.gguf"));
  return { dir, env: { LLAMA_CPP_MODEL: join(dir, "model.gguf"), LLAMA_CPP_CONTEXT: "2048", NO_COLOR: "1" } };
}

describe("prompt templates checked at load", () => {
  test("a planner template without {user_prompt}: one line with the file and line, for ask and the REPL", async () => {
    const { dir, env } = vault("You are Ember.\n{commands}\n---\n{excerpts}Answer the question.\n");
    const asked = await runEmber(["ask", "what is this node?"], { vault: dir, env });
    expect(asked.code).toBe(1);
    expect(asked.stderr.trim()).toBe(
      "ember ask: prompts/planner.prompt:3: the planner template's part below --- needs {user_prompt}",
    );
    const repl = await runEmber(["repl", "--keep-going"], {
      vault: dir,
      env,
      stdin: "what is this node?\n/help\n",
    });
    expect(repl.code).toBe(0);
    expect(repl.stdout).toContain(
      "prompts/planner.prompt:3: the planner template's part below --- needs {user_prompt}",
    );
    expect(repl.stdout).toContain("Slash commands");
  }, 120_000);

  test("a planner template written for the old {response, commands} plan says what changed", async () => {
    const old = [
      "You are Ember.",
      "{commands}",
      "{documentation}",
      "---",
      "Earlier in this session:",
      "{history}",
      "Question: {user_prompt}",
      'Reply with {"response": "...", "commands": [...]}',
    ].join("\n");
    const { dir, env } = vault(old);
    const asked = await runEmber(["ask", "hello"], { vault: dir, env });
    expect(asked.code).toBe(1);
    expect(asked.stderr.trim()).toBe(
      "ember ask: prompts/planner.prompt:6: {history} is gone: a session is now one conversation, so earlier turns are already in the context; remove it",
    );
    const fixedHistory = old.replace("Earlier in this session:\n{history}\n", "{excerpts}");
    writeFileSync(join(dir, "prompts", "planner.prompt"), fixedHistory);
    const again = await runEmber(["ask", "hello"], { vault: dir, env });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toStartWith(
      'ember ask: prompts/planner.prompt:6: written for the old {"response", "commands"} plan: the plan is now the command list alone',
    );
  }, 120_000);

  test("with the built-in templates every count of a turn is a whole number, never negative", async () => {
    const { dir, env } = vault();
    const result = await runEmber(["ask", "--json", "what is this node?"], { vault: dir, env });
    expect(result.code).toBe(0);
    const { timings } = JSON.parse(result.stdout);
    for (const [key, value] of Object.entries(timings)) {
      if (typeof value !== "number") continue;
      expect({ key, ok: Number.isInteger(value) && value >= 0 }).toEqual({ key, ok: true });
    }
    for (const pass of timings.passes) {
      expect(pass.reusedTokens).toBeGreaterThanOrEqual(0);
      expect(pass.evaluatedTokens + pass.reusedTokens).toBe(pass.promptTokens);
    }
  }, 120_000);
});
