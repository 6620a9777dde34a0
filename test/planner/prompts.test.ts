import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { PromptTemplateError } from "../../src/llm/errors.ts";
import { fillTemplate, loadPrompts, parseTemplate } from "../../src/planner/prompts.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function vault(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-prompts-"));
  dirs.push(dir);
  return dir;
}

describe("prompt templates", () => {
  test("the built-in planner: commands and core documents above ---, excerpts and question below", () => {
    const { planner, responder } = loadPrompts({
      plannerPath: "",
      responderPath: "",
      vaultDir: vault(),
      cwd: "/",
    });
    expect(planner.origin).toBe("builtin");
    expect(planner.system).toContain("{commands}");
    expect(planner.system).toContain("{documentation}");
    expect(planner.system).toContain('{"commands": []}');
    expect(planner.user).toContain("{excerpts}");
    expect(planner.user).toContain("{user_prompt}");
    expect(responder.system).toBe("");
    expect(responder.user).toContain("{tool_outputs}");
  });

  test("precedence: configured file (LLAMA_PROMPT_PATH) > the vault's prompts/ > built-in", () => {
    const dir = vault();
    mkdirSync(join(dir, "prompts"));
    writeFileSync(
      join(dir, "prompts", "planner.prompt"),
      "vault system\n---\nvault user {excerpts}{user_prompt}",
    );
    const own = join(dir, "mine.prompt");
    writeFileSync(own, "env system\n---\nenv user {excerpts}{user_prompt}");
    const fromVault = loadPrompts({ plannerPath: "", responderPath: "", vaultDir: dir, cwd: dir });
    expect(fromVault.planner.origin).toBe("vault");
    expect(fromVault.planner.system).toBe("vault system");
    expect(fromVault.responder.origin).toBe("builtin");
    const fromEnv = loadPrompts({ plannerPath: own, responderPath: "", vaultDir: dir, cwd: dir });
    expect(fromEnv.planner.origin).toBe("config");
    expect(fromEnv.planner.user).toBe("env user {excerpts}{user_prompt}");
  });

  test("LLAMA_PROMPT_PATH and LLAMA_RESPONDER_PROMPT_PATH reach the loader through the config", () => {
    const dir = vault();
    const planner = join(dir, "p.prompt");
    const responder = join(dir, "r.prompt");
    writeFileSync(planner, "S\n---\nP {excerpts}{user_prompt}");
    writeFileSync(responder, "R {tool_outputs}");
    const { config, vaultDir } = loadConfig({
      env: {
        VAULT_DIR: dir,
        EMBER_SYSTEM_CONFIG: "/nonexistent",
        LLAMA_PROMPT_PATH: planner,
        LLAMA_RESPONDER_PROMPT_PATH: responder,
      },
      cwd: dir,
    });
    const prompts = loadPrompts({
      plannerPath: config.llm.plannerPrompt,
      responderPath: config.llm.responderPrompt,
      vaultDir,
      cwd: dir,
    });
    expect([prompts.planner.user, prompts.responder.user]).toEqual([
      "P {excerpts}{user_prompt}",
      "R {tool_outputs}",
    ]);
  });

  test("an unknown placeholder is an error naming the file and line", () => {
    const dir = vault();
    const file = join(dir, "bad.prompt");
    writeFileSync(file, "line one {commands}\n---\nask {question} here\n");
    const load = () => loadPrompts({ plannerPath: file, responderPath: "", vaultDir: dir, cwd: dir });
    expect(load).toThrow(PromptTemplateError);
    expect(load).toThrow("bad.prompt:3: unknown placeholder {question}");
  });

  test("a configured file that cannot be read names the file", () => {
    const dir = vault();
    expect(() =>
      loadPrompts({ plannerPath: "", responderPath: join(dir, "missing.prompt"), vaultDir: dir, cwd: dir }),
    ).toThrow("missing.prompt:1: cannot read (ENOENT)");
  });

  test("the vault's own template that links out of the vault is refused, not read", () => {
    const dir = vault();
    const outside = join(vault(), "elsewhere.prompt");
    writeFileSync(outside, "{user_prompt}\n");
    mkdirSync(join(dir, "prompts"), { recursive: true });
    symlinkSync(outside, join(dir, "prompts", "planner.prompt"));
    expect(() => loadPrompts({ plannerPath: "", responderPath: "", vaultDir: dir, cwd: dir })).toThrow(
      "prompts/planner.prompt:1: leads outside the vault",
    );
  });

  test("filling is one pass: a value containing a placeholder is not expanded again; JSON braces stay", () => {
    const template = parseTemplate("S\n---\n{excerpts}Q: {user_prompt}", "t", "builtin", "planner");
    expect(
      fillTemplate(`${template.user}\n{"commands": []}`, { user_prompt: "{excerpts}", excerpts: "" }),
    ).toBe('Q: {excerpts}\n{"commands": []}');
  });
});

describe("templates are checked when loaded, with the file and line", () => {
  const check =
    (text: string, kind: "planner" | "responder" = "planner") =>
    () =>
      parseTemplate(text, "vault/prompts/planner.prompt", "vault", kind);

  test("a planner prompt written for the old {response, commands} plan says what changed", () => {
    const old =
      'You are Ember.\n{commands}\n---\n{excerpts}Question: {user_prompt}\nReply with {"response": "...", "commands": []}\n';
    expect(check(old)).toThrow(PromptTemplateError);
    expect(check(old)).toThrow(
      'vault/prompts/planner.prompt:5: written for the old {"response", "commands"} plan: the plan is now the command list alone',
    );
  });

  test("{history} is gone: the conversation carries earlier turns", () => {
    expect(check("S\n---\nEarlier:\n{history}\n{excerpts}{user_prompt}")).toThrow(
      "planner.prompt:4: {history} is gone",
    );
  });

  test("required placeholders: the question and excerpts (planner), the outputs (responder)", () => {
    expect(check("S\n---\n{excerpts}no question here")).toThrow(
      "planner.prompt:2: the planner template's part below --- needs {user_prompt}",
    );
    expect(check("S\n---\n{user_prompt}")).toThrow("needs {excerpts}");
    expect(check("Answer {user_prompt} now.", "responder")).toThrow(
      "the responder template needs {tool_outputs}",
    );
    expect(check("no separator {excerpts}{user_prompt}")).toThrow(
      "planner.prompt:1: no line holding only ---",
    );
  });

  test("a placeholder on the wrong side of --- names its line", () => {
    expect(check("S {user_prompt}\n---\n{excerpts}{user_prompt}")).toThrow(
      "planner.prompt:1: {user_prompt} belongs below the --- line",
    );
    expect(check("S\n---\n{excerpts}{user_prompt}\n{commands}")).toThrow(
      "planner.prompt:4: {commands} belongs above the --- line",
    );
  });
});
