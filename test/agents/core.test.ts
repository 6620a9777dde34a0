import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { coreAgent, inspectVault } from "../../src/agents/core.ts";
import { provisionVault } from "../../src/agents/provision.ts";
import { loadConfig } from "../../src/config/load.ts";
import { tempDir, testConfig, testContext } from "./context.ts";

const root = tempDir("ember-core-");
afterAll(root.cleanup);

describe("inspectVault", () => {
  test("a provisioned vault exists, is writable and complete", () => {
    const vault = join(root.dir, "complete");
    provisionVault(vault);
    expect(inspectVault(vault)).toEqual({
      path: vault,
      exists: true,
      writable: true,
      layoutComplete: true,
      missing: [],
    });
  });

  test("names the layout folders that are missing", () => {
    const vault = join(root.dir, "partial");
    provisionVault(vault);
    rmSync(join(vault, "prompts"), { recursive: true });
    expect(inspectVault(vault)).toMatchObject({ exists: true, layoutComplete: false, missing: ["prompts"] });
  });

  test("a missing vault is neither writable nor complete", () => {
    expect(inspectVault(join(root.dir, "nowhere"))).toMatchObject({
      exists: false,
      writable: false,
      layoutComplete: false,
    });
  });
});

describe("core agent", () => {
  test("depends on provision and runs with an invalid config", () => {
    expect(coreAgent.dependsOn).toEqual(["provision"]);
    expect(coreAgent.requiresReady).toBe(false);
  });

  test("ok with a valid config and a ready vault; details carry config, vault and agent policy", async () => {
    const vault = join(root.dir, "ok");
    provisionVault(vault);
    const config = testConfig(vault, (c) => {
      c.agents.disabled = ["metrics"];
    });
    const outcome = await coreAgent.run(testContext(vault, { config }));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toBe(`config valid, vault ${vault} ready`);
    expect(outcome.details).toEqual({
      config: { valid: true, issues: [] },
      vault: { path: vault, exists: true, writable: true, layoutComplete: true, missing: [] },
      agents: {
        enabled: [],
        disabled: ["metrics"],
        effective: ["core", "network", "provision", "toolchain", "plugin"],
      },
    });
  });

  test("degraded with the count of issues when the config is invalid", async () => {
    const vault = join(root.dir, "bad-config");
    provisionVault(vault);
    writeFileSync(join(vault, "config", "site.yml"), "agents:\n  timeoutMs: soon\n");
    const loaded = loadConfig({
      env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: join(vault, "none.yml") },
      cwd: vault,
    });
    expect(loaded.valid).toBe(false);
    const issues = loaded.issues.map((i) => `${i.where} ${i.key}: ${i.message}`);
    const outcome = await coreAgent.run(
      testContext(vault, {
        config: loaded.config,
        configValid: false,
        configIssues: issues,
        configIssueCount: loaded.issueCount,
      }),
    );
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toBe("config invalid (1 issue)");
    expect(outcome.details.config).toEqual({ valid: false, issues });
    expect(issues[0]).toContain("agents.timeoutMs");
  });

  test("degraded when the vault is missing or incomplete", async () => {
    const missing = join(root.dir, "absent");
    expect((await coreAgent.run(testContext(missing))).summary).toBe(`vault ${missing} does not exist`);

    const partial = join(root.dir, "incomplete");
    mkdirSync(partial);
    const outcome = await coreAgent.run(testContext(partial));
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toStartWith("vault is missing config, docs");
  });
});
