import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSource } from "../../src/config/describe.ts";
import { formatIssue, loadConfig } from "../../src/config/load.ts";
import { isPythonEmberConfig, translatePythonConfig } from "../../src/config/python-ember.ts";
import { runEmber } from "../helpers/ember-cli.ts";

// The first Ember's config/system.yml, every top-level key it had.
const PYTHON_SYSTEM_YML = `# Ember (Python) system config
runtime:
  name: ember
  auto_restart: true
logging:
  level: WARNING
ui:
  verbose: true
agents:
  disabled: [metrics, watchdog]
toolchain:
  manifest: /opt/ember/toolchain.json
test:
  enabled: false
  command: pytest -q
  report_path: /var/lib/ember/report.xml
update:
  enabled: false
  allowed_branches: [main]
network:
  preferred_interfaces: [wlan0, eth0]
  connectivity_checks: ["10.0.0.1:22", "[fd00::1]:8080"]
  include_loopback: true
`;

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function pythonVault(text = PYTHON_SYSTEM_YML): string {
  const vault = mkdtempSync(join(tmpdir(), "ember-python-"));
  made.push(vault);
  mkdirSync(join(vault, "config"));
  writeFileSync(join(vault, "config", "system.yml"), text);
  return vault;
}
const load = (vault: string) =>
  loadConfig({ env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent" }, cwd: vault });

describe("a vault from the Python Ember", () => {
  test("loads valid: keys with an equivalent are mapped, the rest are warnings at their lines", () => {
    const loaded = load(pythonVault());
    expect(loaded.issues).toEqual([]);
    expect(loaded.valid).toBe(true);
    expect(loaded.config.log.level).toBe("warn");
    expect(loaded.config.agents.disabled).toEqual(["metrics"]);
    expect(loaded.config.agents.network).toMatchObject({
      preferredInterfaces: ["wlan0", "eth0"],
      checks: [
        { host: "10.0.0.1", port: 22 },
        { host: "fd00::1", port: 8080 },
      ],
      includeLoopback: true,
    });
    expect(loaded.warnings.map(formatIssue)).toEqual([
      "config/system.yml:3:3 runtime.name: from the Python Ember, not used here",
      "config/system.yml:4:3 runtime.auto_restart: from the Python Ember, not used here",
      "config/system.yml:8:3 ui.verbose: from the Python Ember, not used here",
      "config/system.yml:10:23 agents.disabled.1: no agent watchdog here (from the Python Ember, not used here)",
      "config/system.yml:12:3 toolchain.manifest: from the Python Ember, not used here",
      "config/system.yml:14:3 test.enabled: from the Python Ember, not used here",
      "config/system.yml:15:3 test.command: from the Python Ember, not used here",
      "config/system.yml:16:3 test.report_path: from the Python Ember, not used here",
      "config/system.yml:18:3 update.enabled: from the Python Ember, not used here",
      "config/system.yml:19:3 update.allowed_branches: from the Python Ember, not used here",
    ]);
  });

  test("each mapped value says which Python key, in which file and line, it came from", () => {
    const vault = pythonVault();
    const loaded = load(vault);
    const source = (key: string) => describeSource(loaded.sources.get(key), vault);
    expect(source("log.level")).toBe("config/system.yml:6:10 (Python Ember logging.level)");
    expect(source("agents.network.checks")).toBe(
      "config/system.yml:22:24 (Python Ember network.connectivity_checks)",
    );
    expect(source("agents.network.includeLoopback")).toBe(
      "config/system.yml:23:21 (Python Ember network.include_loopback)",
    );
    expect(source("llm.maxTokens")).toBe("default");
  });

  test("a bad value under a Python key is an error named at that key", () => {
    const loaded = load(
      pythonVault('network:\n  connectivity_checks: ["gateway"]\nlogging:\n  level: LOUD\n'),
    );
    expect(loaded.valid).toBe(false);
    expect(loaded.issues.map(formatIssue)).toEqual([
      'config/system.yml:4:10 log.level: expected one of silent, error, warn, info, debug, trace (got "LOUD")',
      'config/system.yml:2:25 agents.network.checks.0: expected {host, port} (got "gateway")',
    ]);
  });

  test("a file of this Ember's own keys is not touched", () => {
    const ours = { log: { level: "debug" }, agents: { disabled: ["watchdog"] }, update: { channel: "x" } };
    expect(isPythonEmberConfig(ours)).toBe(false);
    expect(translatePythonConfig(ours)).toEqual({ data: ours, mapped: [], unused: [] });
    // ...so a wrong agent name there stays an error.
    const loaded = load(pythonVault("agents:\n  disabled: [watchdog]\n"));
    expect(loaded.valid).toBe(false);
  });

  test("/config show and ember status: the plugin agent runs, the warnings show, health is not degraded by them", async () => {
    const vault = pythonVault();
    const show = await runEmber([], { vault, stdin: "/config show\n" });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(
      /^\s+log\.level\s+warn\s+config\/system\.yml:6:10 \(Python Ember logging\.level\)$/m,
    );
    expect(show.stdout).toContain("~ config/system.yml:8:3 ui.verbose: from the Python Ember, not used here");
    const status = JSON.parse((await runEmber(["status", "--json"], { vault })).stdout);
    expect(status.config.valid).toBe(true);
    expect(status.config.warnings).toHaveLength(10);
    const plugin = status.agents.find((a: { name: string }) => a.name === "plugin");
    expect(plugin.last.status).toBe("ok");
  });
});
