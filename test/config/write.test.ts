import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigWriteError, setConfigValue } from "../../src/config/write.ts";

let vault = "";
afterEach(() => rmSync(vault, { recursive: true, force: true }));
const load = () => loadConfig({ env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent" }, cwd: vault });

describe("setConfigValue", () => {
  test("writes the override file, keeps its comments, and the value then loads from it", () => {
    vault = mkdtempSync(join(tmpdir(), "ember-set-"));
    mkdirSync(join(vault, "config"));
    writeFileSync(join(vault, "config", "zz-local.yml"), "# keep me\nllm:\n  topP: 0.5\n");
    setConfigValue(load(), "llm.maxTokens", "64");
    setConfigValue(load(), "agents.network.preferredInterfaces", "[wlan0, eth0]");
    const text = readFileSync(join(vault, "config", "zz-local.yml"), "utf8");
    expect(text).toContain("# keep me");
    const loaded = load();
    expect(loaded.config.llm.maxTokens).toBe(64);
    expect(loaded.config.llm.topP).toBe(0.5);
    expect(loaded.config.agents.network.preferredInterfaces).toEqual(["wlan0", "eth0"]);
    expect(readdirSync(join(vault, "config"))).toEqual(["zz-local.yml"]);
  });

  test("refuses unknown keys (with a hint), invalid values and vault.path, writing nothing", () => {
    vault = mkdtempSync(join(tmpdir(), "ember-set-"));
    expect(() => setConfigValue(load(), "llm.maxTokns", "3")).toThrow(
      "unknown key llm.maxTokns — did you mean llm.maxTokens?",
    );
    expect(() => setConfigValue(load(), "llm.maxTokens", "lots")).toThrow(ConfigWriteError);
    expect(() => setConfigValue(load(), "llm.topP", "7")).toThrow(
      new ConfigWriteError("llm.topP: expected at most 1 (got 7)"),
    );
    expect(() => setConfigValue(load(), "vault.path", "/x")).toThrow(/VAULT_DIR/);
    expect(() => readdirSync(join(vault, "config"))).toThrow();
  });
});
