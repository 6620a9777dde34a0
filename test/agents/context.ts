import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConsolaInstance, createConsola, type LogObject } from "consola";
import type { AgentName } from "../../src/agents/names.ts";
import type { AgentContext, AgentResult } from "../../src/agents/types.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = "ember-agents-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The real defaults (config/system.yml through the real loader) with the vault at `vaultDir`. */
export function testConfig(vaultDir: string, change?: (config: Config) => void): Config {
  const loaded = loadConfig({
    env: { VAULT_DIR: vaultDir, EMBER_SYSTEM_CONFIG: join(vaultDir, "no-system.yml") },
    cwd: vaultDir,
  });
  change?.(loaded.config);
  return loaded.config;
}

/** A logger that keeps its events in memory. */
export function memoryLog(): { log: ConsolaInstance; events: LogObject[] } {
  const events: LogObject[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (entry) => events.push(entry) }] });
  return { log, events };
}

export function testContext(vaultDir: string, overrides: Partial<AgentContext> = {}): AgentContext {
  return {
    config: testConfig(vaultDir),
    configValid: true,
    configIssues: [],
    configIssueCount: 0,
    vaultDir,
    modelInProcess: true,
    signal: new AbortController().signal,
    log: memoryLog().log,
    results: new Map<AgentName, AgentResult>(),
    ...overrides,
  };
}
