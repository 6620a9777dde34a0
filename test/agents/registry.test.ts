import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AGENT_NAMES } from "../../src/agents/names.ts";
import { BUILTIN_AGENTS, enabledAgents, findAgent, isAgentEnabled } from "../../src/agents/registry.ts";
import { runBootAgents } from "../../src/agents/runner.ts";
import { memoryLog, tempDir, testConfig } from "./context.ts";

const root = tempDir("ember-registry-");
afterAll(root.cleanup);

test("every agent name has exactly one built-in agent, in the listed order", () => {
  expect(BUILTIN_AGENTS.map((a) => a.name)).toEqual([...AGENT_NAMES]);
  expect(findAgent("metrics")?.name).toBe("metrics");
});

test("empty `enabled` means all; `disabled` always wins", () => {
  const all = testConfig(root.dir);
  expect(enabledAgents(all).map((a) => a.name)).toEqual([...AGENT_NAMES]);

  const some = testConfig(root.dir, (c) => {
    c.agents.enabled = ["network", "core", "metrics"];
    c.agents.disabled = ["metrics", "plugin"];
  });
  expect(enabledAgents(some).map((a) => a.name)).toEqual(["core", "network"]);
  expect(isAgentEnabled(some, "plugin")).toBe(false);
  expect(isAgentEnabled(all, "plugin")).toBe(true);
});

test("a boot run of the real agents on a fresh vault provisions it and reports every agent", async () => {
  const vault = join(root.dir, "vault");
  const { log, events } = memoryLog();
  const results = await runBootAgents({
    config: testConfig(vault),
    configValid: true,
    configIssues: [],
    vaultDir: vault,
    log,
  });
  expect([...results.keys()]).toEqual([...AGENT_NAMES]);
  expect(results.get("provision")?.status).toBe("ok");
  expect(results.get("core")).toMatchObject({ status: "ok", summary: `config valid, vault ${vault} ready` });
  expect(results.get("plugin")).toMatchObject({ status: "ok", summary: "no plugins" });
  expect(results.get("metrics")?.status).toBe("ok");
  for (const result of results.values()) expect(result.status).not.toBe("failed");
  expect(existsSync(join(vault, "state", "provision.json"))).toBe(true);
  expect(events.filter((e) => e.type === "info")).toHaveLength(AGENT_NAMES.length);
  // Every result must survive `status --json`.
  expect(JSON.parse(JSON.stringify(Object.fromEntries(results)))).toEqual(Object.fromEntries(results));
});
