import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { isFolder } from "../fs/kind.ts";
import { isAgentEnabled } from "./enablement.ts";
import { AGENT_NAMES } from "./names.ts";
import { VAULT_FOLDERS } from "./provision.ts";
import type { Agent, AgentOutcome } from "./types.ts";

export interface VaultStatus {
  path: string;
  exists: boolean;
  writable: boolean;
  layoutComplete: boolean;
  /** Layout folders that are missing or are not folders. */
  missing: string[];
}

/** What the vault looks like right now; reads only. */
export function inspectVault(vaultDir: string): VaultStatus {
  const exists = isFolder(vaultDir);
  const missing = VAULT_FOLDERS.filter((folder) => !isFolder(join(vaultDir, folder)));
  return {
    path: vaultDir,
    exists,
    // access(2) answers EROFS on a read-only mount even for root, which chmod cannot show.
    writable: exists && canWrite(vaultDir),
    layoutComplete: exists && missing.length === 0,
    missing,
  };
}

export const coreAgent: Agent = {
  name: "core",
  summary: "config validity, vault status and agent policy",
  triggers: ["boot", "demand"],
  requiresReady: false,
  dependsOn: ["provision"],
  async run(ctx): Promise<AgentOutcome> {
    const vault = inspectVault(ctx.vaultDir);
    const details = {
      config: { valid: ctx.configValid, issues: [...ctx.configIssues] },
      vault,
      agents: {
        enabled: [...ctx.config.agents.enabled],
        disabled: [...ctx.config.agents.disabled],
        effective: AGENT_NAMES.filter((name) => isAgentEnabled(ctx.config, name)),
      },
    };
    const problems: string[] = [];
    if (!ctx.configValid) {
      const count = ctx.configIssueCount;
      problems.push(`config invalid (${count} ${count === 1 ? "issue" : "issues"})`);
    }
    if (!vault.exists) problems.push(`vault ${vault.path} does not exist`);
    else if (!vault.writable) problems.push(`vault ${vault.path} is not writable`);
    else if (!vault.layoutComplete) problems.push(`vault is missing ${vault.missing.join(", ")}`);
    if (problems.length > 0) return { status: "degraded", summary: problems.join("; "), details };
    return { status: "ok", summary: `config valid, vault ${vault.path} ready`, details };
  },
};

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
