import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatIssue, loadConfig } from "../../src/config/load.ts";

const made: string[] = [];
function vaultWith(files: Record<string, string>): string {
  const vault = mkdtempSync(join(tmpdir(), "ember-config-"));
  made.push(vault);
  mkdirSync(join(vault, "config"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(vault, "config", name), text);
  return vault;
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const load = (vault: string, env: Record<string, string> = {}) =>
  loadConfig({ env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent", ...env }, cwd: vault });

describe("loadConfig", () => {
  test("defaults alone are valid and every value says it is a default", () => {
    const loaded = load(vaultWith({}));
    expect(loaded.valid).toBe(true);
    expect(loaded.config.llm.maxTokens).toBe(128);
    expect(loaded.sources.get("llm.maxTokens")).toEqual({ kind: "default" });
  });

  test("vault files apply in name order and environment variables win", () => {
    const vault = vaultWith({
      "a.yml": "llm:\n  maxTokens: 10\n  topP: 0.5\n",
      "b.yml": "llm:\n  maxTokens: 20\n",
    });
    const loaded = load(vault, { LLAMA_CPP_TOP_P: "0.7" });
    expect(loaded.config.llm.maxTokens).toBe(20);
    expect(loaded.sources.get("llm.maxTokens")).toMatchObject({
      kind: "file",
      file: join(vault, "config", "b.yml"),
      line: 2,
    });
    expect(loaded.config.llm.topP).toBe(0.7);
    expect(loaded.sources.get("llm.topP")).toEqual({ kind: "env", variable: "LLAMA_CPP_TOP_P" });
  });

  test("a wrong type names file:line:column and the key path, and falls back to the default", () => {
    const vault = vaultWith({ "site.yml": "# site\nllm:\n  maxTokens: 64\nagents:\n  disabled: network\n" });
    const loaded = load(vault);
    expect(loaded.valid).toBe(false);
    expect(loaded.issues.map(formatIssue)).toEqual([
      'config/site.yml:5:13 agents.disabled: expected a list of agent names (got "network")',
    ]);
    expect(loaded.config.agents.disabled).toEqual([]);
    // The valid key in the same file still applies.
    expect(loaded.config.llm.maxTokens).toBe(64);
  });

  test("a value out of range says what is expected and what was found, once each", () => {
    const loaded = load(vaultWith({ "a.yml": "llm:\n  topP: 2\n  temperature: -1\n" }));
    expect(loaded.issues.map(formatIssue)).toEqual([
      "config/a.yml:3:16 llm.temperature: expected 0 or more (got -1)",
      "config/a.yml:2:9 llm.topP: expected at most 1 (got 2)",
    ]);
  });

  test("a key an earlier Ember read is a warning naming what replaced it; the config stays valid", () => {
    const loaded = load(
      vaultWith({ "a.yml": "llm:\n  maxTokens: 64\n  groundingTokens: 900\n  historyTokens: 512\n" }),
    );
    expect(loaded.valid).toBe(true);
    expect(loaded.warnings.map(formatIssue)).toEqual([
      "config/a.yml:3:3 llm.groundingTokens: replaced by grounding.coreTokens and grounding.turnTokens (docs/GROUNDING.md), not used",
      "config/a.yml:4:3 llm.historyTokens: earlier turns stay in the conversation's context, never re-rendered as text; not used",
    ]);
    expect(loaded.config.llm.maxTokens).toBe(64);
  });

  test("an unknown key is refused where it stands", () => {
    const loaded = load(vaultWith({ "x.yml": "llm:\n  maxTokns: 3\n" }));
    expect(loaded.issues.map(formatIssue)).toEqual(["config/x.yml:2:3 llm.maxTokns: unknown key"]);
  });

  test("malformed YAML names the position and the file is skipped", () => {
    const loaded = load(
      vaultWith({ "bad.yml": "llm:\n  maxTokens: [1, 2\n", "good.yml": "llm:\n  topP: 0.4\n" }),
    );
    expect(loaded.valid).toBe(false);
    expect(loaded.issues[0]?.where).toMatch(/^config\/bad\.yml:\d+:\d+$/);
    expect(loaded.config.llm.topP).toBe(0.4);
  });

  test("a bad environment variable is named by its variable", () => {
    const loaded = load(vaultWith({}), { LLAMA_CPP_THREADS: "lots" });
    expect(loaded.issues.map(formatIssue)).toEqual([
      'LLAMA_CPP_THREADS llm.threads: expected a number (threads; 0 means the physical cores) (got "lots")',
    ]);
    expect(loaded.config.llm.threads).toBe(0);
  });

  test("a file that is not a mapping, and vault.path set inside the vault, are both refused", () => {
    const loaded = load(vaultWith({ "list.yml": "- a\n- b\n", "vault.yml": "vault:\n  path: /elsewhere\n" }));
    expect(loaded.issues.map(formatIssue)).toEqual([
      "config/list.yml:1:1 (file): expected a mapping of config keys",
      "config/vault.yml:2:3 vault.path: cannot be set inside the vault; use VAULT_DIR or the system config",
    ]);
  });

  test("the system file sets the vault path (the appliance's fixed path)", () => {
    const dir = vaultWith({});
    const system = join(dir, "ember.yml");
    writeFileSync(system, `vault:\n  path: ${join(dir, "data-vault")}\n`);
    const loaded = loadConfig({ env: { EMBER_SYSTEM_CONFIG: system }, cwd: dir });
    expect(loaded.vaultDir).toBe(join(dir, "data-vault"));
  });

  test("an empty file and an empty variable change nothing", () => {
    const loaded = load(vaultWith({ "empty.yml": "" }), { LLAMA_CPP_MAX_TOKENS: "" });
    expect(loaded.valid).toBe(true);
    expect(loaded.config.llm.maxTokens).toBe(128);
  });
});
