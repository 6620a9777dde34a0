import { lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { describeFsError } from "../fs/fs-error.ts";
import { readFileInside } from "../fs/safe-open.ts";
import { decodeUtf8 } from "../fs/utf8-text.ts";
import type { Agent, AgentOutcome } from "./types.ts";

/** The folders every vault has. Provisioning creates the missing ones and touches nothing else. */
export const VAULT_FOLDERS = ["config", "docs", "logs", "state", "plugins", "models", "prompts"] as const;

/** Where provisioning records what it did, relative to the vault. */
export const PROVISION_STATE_FILE = join("state", "provision.json");

/** The vault (or a folder in it) cannot be created or written; the message names the path and why. */
export class VaultNotWritableError extends Error {
  override name = "VaultNotWritableError";
  constructor(
    readonly vaultDir: string,
    readonly reason: string,
  ) {
    super(`vault ${vaultDir} is not writable: ${reason}`);
  }
}

export interface ProvisionReport {
  vaultDir: string;
  /** Folders created by this run, relative to the vault ("." for the vault itself). */
  created: string[];
  /** Layout entries that exist but are not folders: left exactly as they are. */
  conflicts: string[];
  /** When this run finished (ISO). */
  at: string;
  /** When the vault was first provisioned (ISO), kept across runs. */
  firstAt: string;
  stateFile: string;
}

/**
 * Creates the vault and its layout where missing and records the run in state/provision.json
 * (written atomically, which also proves the vault is writable now). Never modifies or deletes
 * anything that already exists. Throws VaultNotWritableError.
 */
export function provisionVault(vaultDir: string, now: Date = new Date()): ProvisionReport {
  const created: string[] = [];
  const conflicts: string[] = [];
  const attempt = <T>(what: () => T): T => {
    try {
      return what();
    } catch (error) {
      throw new VaultNotWritableError(vaultDir, describeFsError(error));
    }
  };

  const vaultKind = attempt(() => kindOf(vaultDir));
  if (vaultKind === "missing") {
    attempt(() => mkdirSync(vaultDir, { recursive: true }));
    created.push(".");
  } else if (vaultKind !== "folder") {
    throw new VaultNotWritableError(vaultDir, "it exists and is not a folder");
  }
  for (const folder of VAULT_FOLDERS) {
    const path = join(vaultDir, folder);
    const kind = attempt(() => kindOf(path));
    if (kind === "missing") {
      attempt(() => mkdirSync(path));
      created.push(folder);
    } else if (kind === "other") {
      conflicts.push(folder);
    }
  }

  const stateFile = join(vaultDir, PROVISION_STATE_FILE);
  const at = now.toISOString();
  const firstAt = previousFirstAt(stateFile, vaultDir) ?? at;
  const report: ProvisionReport = { vaultDir, created, conflicts, at, firstAt, stateFile };
  if (!conflicts.includes("state")) {
    const record = { version: 1, vault: vaultDir, at, firstAt, created, conflicts };
    attempt(() => writeFileAtomic(stateFile, `${JSON.stringify(record, null, 2)}\n`));
  }
  return report;
}

export const provisionAgent: Agent = {
  name: "provision",
  summary: "creates the vault layout where missing",
  triggers: ["boot", "demand"],
  requiresReady: false,
  async run(ctx): Promise<AgentOutcome> {
    let report: ProvisionReport;
    try {
      report = provisionVault(ctx.vaultDir);
    } catch (error) {
      if (!(error instanceof VaultNotWritableError)) throw error;
      return {
        status: "failed",
        summary: error.message,
        details: { vault: ctx.vaultDir, writable: false, error: error.reason },
      };
    }
    const details = {
      vault: report.vaultDir,
      writable: true,
      created: report.created,
      conflicts: report.conflicts,
      stateFile: report.stateFile,
      firstAt: report.firstAt,
    };
    if (report.conflicts.length > 0) {
      const names = report.conflicts.join(", ");
      return {
        status: "degraded",
        summary: `vault ${report.vaultDir}: ${names} exist but are not folders (left as they are)`,
        details,
      };
    }
    const made = report.created.length > 0 ? ` (created ${report.created.join(", ")})` : "";
    return { status: "ok", summary: `vault ${report.vaultDir} ready${made}`, details };
  },
};

function kindOf(path: string): "missing" | "folder" | "other" {
  try {
    return lstatSync(path).isDirectory() ? "folder" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A file in the way (ENOTDIR) surfaces, with its own reason, when we try to create the folder.
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw error;
  }
}

/** The record is a few hundred bytes; a larger or outside one is not ours and is not parsed. */
const STATE_MAX_BYTES = 64 * 1024;

function previousFirstAt(stateFile: string, vaultDir: string): string | undefined {
  try {
    const bytes = readFileInside(stateFile, { root: vaultDir, maxBytes: STATE_MAX_BYTES });
    const data: unknown = JSON.parse(decodeUtf8(stateFile, bytes));
    const firstAt = (data as { firstAt?: unknown }).firstAt;
    return typeof firstAt === "string" ? firstAt : undefined;
  } catch {
    // No record yet, or an unreadable one: this run starts a new one.
    return undefined;
  }
}
