import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import type { Token } from "node-llama-cpp";
import { fsyncFile, syncDirectory, writeFileAtomic } from "../fs/atomic-write.ts";
import type { LlamaBridge } from "./bridge.ts";

/**
 * The evaluated static prefix (system text, commands, core documents) saved to disk, so a restarted
 * Ember loads it instead of evaluating it again. Files live in `<vault>/state/prefix-cache/`, named
 * `<modelKey>-<prefixHash>.bin` with a `.json` beside it written last: a `.bin` without its `.json`
 * is an unfinished save and is never loaded. Only the newest few are kept.
 */

export const PREFIX_CACHE_DIR = join("state", "prefix-cache");
export const DEFAULT_MAX_PREFIX_FILES = 4;
/** Bumped when the saved layout changes, so old files are simply not found. */
const CACHE_VERSION = 1;

export interface PrefixCacheOptions {
  vaultDir: string;
  maxFiles?: number;
}

interface PrefixMeta {
  version: number;
  model: string;
  tokens: number;
  savedAt: string;
}

/**
 * The model's identity for the cache: its file (path, size, mtime) and the context size the state
 * was made with. A state loaded into another model could crash llama.cpp, so this errs on "different".
 */
export function modelCacheKey(bridge: Pick<LlamaBridge, "info" | "contextSize">): string {
  const { path, fileSize, modifiedMs } = bridge.info;
  return createHash("sha256")
    .update(`${CACHE_VERSION}\0${path}\0${fileSize}\0${Math.round(modifiedMs)}\0${bridge.contextSize}`)
    .digest("hex")
    .slice(0, 16);
}

export function prefixHash(tokens: readonly Token[]): string {
  return createHash("sha256")
    .update(new Uint8Array(Uint32Array.from(tokens as ArrayLike<number>).buffer))
    .digest("hex")
    .slice(0, 16);
}

export class PrefixCache {
  readonly dir: string;
  readonly maxFiles: number;

  constructor(options: PrefixCacheOptions) {
    this.dir = join(options.vaultDir, PREFIX_CACHE_DIR);
    this.maxFiles = options.maxFiles ?? DEFAULT_MAX_PREFIX_FILES;
  }

  fileFor(bridge: LlamaBridge, tokens: readonly Token[]): string {
    return join(this.dir, `${modelCacheKey(bridge)}-${prefixHash(tokens)}.bin`);
  }

  /** Loads the saved state for exactly `tokens`; false when there is none (or it does not match). */
  async load(bridge: LlamaBridge, tokens: readonly Token[]): Promise<boolean> {
    const file = this.fileFor(bridge, tokens);
    const meta = readMeta(metaFile(file));
    if (!meta || meta.tokens !== tokens.length) return false;
    const loaded = await bridge.loadState(file, tokens);
    if (loaded) {
      const now = new Date();
      try {
        utimesSync(metaFile(file), now, now);
      } catch {
        // Only the eviction order suffers.
      }
    }
    return loaded;
  }

  /**
   * Saves what the sequence holds, which must be exactly `tokens`. Returns the file, or throws
   * (the caller logs it: a cache that cannot be written only costs time).
   */
  async save(bridge: LlamaBridge, tokens: readonly Token[]): Promise<string> {
    const file = this.fileFor(bridge, tokens);
    mkdirSync(this.dir, { recursive: true });
    const temp = join(this.dir, `.${process.pid}.${Date.now()}.bin.tmp`);
    try {
      await bridge.saveState(temp);
      fsyncFile(temp);
      renameSync(temp, file);
      syncDirectory(this.dir);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    const meta: PrefixMeta = {
      version: CACHE_VERSION,
      model: bridge.info.path,
      tokens: tokens.length,
      savedAt: new Date().toISOString(),
    };
    writeFileAtomic(metaFile(file), `${JSON.stringify(meta)}\n`);
    this.prune(file);
    return file;
  }

  /** Keeps the newest `maxFiles` saved prefixes (by last use) and removes leftovers of failed saves. */
  prune(keep?: string): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    // A save another process is making right now is younger than this; older temp files are debris.
    const stale = Date.now() - 10 * 60_000;
    for (const name of names.filter((n) => n.endsWith(".tmp"))) {
      const path = join(this.dir, name);
      if (modifiedAt(path) < stale) rmSync(path, { force: true });
    }
    const saved = names
      .filter((n) => n.endsWith(".bin"))
      .map((n) => join(this.dir, n))
      .map((file) => ({ file, used: usedAt(file) }))
      .sort((a, b) => b.used - a.used || (a.file === keep ? -1 : 1));
    for (const { file } of saved.slice(this.maxFiles)) {
      if (file === keep) continue;
      rmSync(metaFile(file), { force: true });
      rmSync(file, { force: true });
    }
  }
}

function metaFile(bin: string): string {
  return bin.replace(/\.bin$/, ".json");
}

function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function usedAt(bin: string): number {
  return modifiedAt(metaFile(bin));
}

function readMeta(file: string): PrefixMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(file, "utf8")) as PrefixMeta;
    return meta.version === CACHE_VERSION && Number.isInteger(meta.tokens) ? meta : undefined;
  } catch {
    return undefined;
  }
}
