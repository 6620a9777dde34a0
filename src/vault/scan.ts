/**
 * Lists the vault files the index covers: every format src/vault/extract reads (Markdown, text, PDF,
 * HTML, EPUB) under `docs/`, plus the core documents
 * at the vault root. Symlinks are followed only while their target stays inside the vault, so a
 * link to `/etc` or to another disk never leaks into what the model is grounded on. This listing is
 * only a first filter: a file can be swapped for a link after it was listed, so every read goes
 * through `fs/safe-open`, which checks what was really opened.
 */
import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { isInsideFolder } from "../fs/safe-open.ts";
import { isIndexedName } from "./extract/formats.ts";

/** The documents every turn may be grounded on, relative to the vault root, in render order. */
export const CORE_DOCUMENTS: readonly string[] = ["README.md", "AGENTS.md", "docs/ROADMAP.md"];

export const DOCS_DIR = "docs";

export interface VaultFile {
  /** Vault-relative path with forward slashes, as walked (a symlink keeps its own name). */
  path: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface VaultScan {
  /** Sorted by path. */
  files: VaultFile[];
  skipped: SkippedFile[];
}

export async function scanVaultFiles(vaultDir: string, signal?: AbortSignal): Promise<VaultScan> {
  const vaultReal = await realpath(vaultDir);
  const files: VaultFile[] = [];
  const skipped: SkippedFile[] = [];
  const visitedDirs = new Set<string>();

  const insideVault = (real: string) => isInsideFolder(vaultReal, real);
  const toRelative = (abs: string) => relative(vaultDir, abs).split(sep).join("/");

  /** Resolves a symlink; returns null (and records why) when it must not be followed. */
  const followLink = async (abs: string): Promise<string | null> => {
    let real: string;
    try {
      real = await realpath(abs);
    } catch (error) {
      skipped.push({ path: toRelative(abs), reason: `broken symlink (${errorCode(error)})` });
      return null;
    }
    if (!insideVault(real)) {
      skipped.push({ path: toRelative(abs), reason: "symlink points outside the vault" });
      return null;
    }
    return real;
  };

  const addFile = async (abs: string) => {
    try {
      const info = await stat(abs);
      if (info.isFile()) {
        files.push({ path: toRelative(abs), absolutePath: abs, size: info.size, mtimeMs: info.mtimeMs });
      }
    } catch (error) {
      skipped.push({ path: toRelative(abs), reason: `cannot stat (${errorCode(error)})` });
    }
  };

  const walk = async (dir: string, real: string) => {
    signal?.throwIfAborted();
    if (visitedDirs.has(real)) return;
    visitedDirs.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      skipped.push({ path: toRelative(dir), reason: `cannot list folder (${errorCode(error)})` });
      return;
    }
    for (const entry of entries) {
      // Dot entries are tool state (.obsidian, .git), not operator documents.
      if (entry.name.startsWith(".")) continue;
      const abs = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await followLink(abs);
        if (target === null) continue;
        const info = await stat(target).catch(() => null);
        if (info?.isDirectory()) await walk(abs, target);
        else if (info?.isFile() && isIndexedName(entry.name)) await addFile(abs);
      } else if (entry.isDirectory()) {
        await walk(abs, join(real, entry.name));
      } else if (entry.isFile() && isIndexedName(entry.name)) {
        await addFile(abs);
      }
    }
  };

  const docsDir = join(vaultDir, DOCS_DIR);
  const docsInfo = await stat(docsDir).catch(() => null);
  if (docsInfo?.isDirectory()) {
    const docsReal = await followLink(docsDir);
    if (docsReal !== null) await walk(docsDir, docsReal);
  }
  for (const core of CORE_DOCUMENTS) {
    if (core.startsWith(`${DOCS_DIR}/`)) continue;
    const abs = join(vaultDir, core);
    const real = await realpath(abs).catch(() => null);
    if (real === null) continue;
    if (insideVault(real)) await addFile(abs);
    else skipped.push({ path: core, reason: "symlink points outside the vault" });
  }

  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, skipped };
}

export function errorCode(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ?? error.message;
  }
  return String(error);
}
