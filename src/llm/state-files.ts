import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { fsyncFile, syncDirectory, writeFileAtomic } from "../fs/atomic-write.ts";
import { readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import type { ModelInfo } from "./model-info.ts";

/**
 * Evaluated context states saved to disk, so a new process loads them instead of evaluating their
 * tokens again: the static prefix (`state/prefix-cache/`) and the last `ember ask` conversation
 * (`state/conversations/`). Each state is `<name>.bin` with a `<name>.json` beside it written last:
 * a `.bin` without its `.json` is an unfinished save and is never loaded. A folder keeps at most
 * `maxFiles` states and `maxBytes` of them; the least recently used go first.
 */

export const PREFIX_CACHE_DIR = join("state", "prefix-cache");
export const CONVERSATIONS_DIR = join("state", "conversations");
/** Bumped when the saved layout changes, so old files are simply not found. */
const STATE_VERSION = 2;
const MiB = 1024 * 1024;

export interface StateFilesOptions {
  vaultDir: string;
  folder: string;
  maxFiles: number;
  maxBytes: number;
  /** Told, in one line, of a metadata file that is there but unusable (too large, damaged, not a file). */
  onProblem?: (problem: string) => void;
  /**
   * False for a store that lives no longer than its process (the engine's swap, emptied at every
   * start): nothing in it is worth an fsync, which for a 100 MiB state costs more than the write.
   * Renames still keep a reader from ever seeing half a file.
   */
  durable?: boolean;
}

/** The default bounds: a 1B model's state is about 32 KiB a token, so a full 4096 context is 128 MiB. */
export const STATE_LIMITS = {
  prefix: { folder: PREFIX_CACHE_DIR, maxFiles: 4, maxBytes: 256 * MiB },
  conversations: { folder: CONVERSATIONS_DIR, maxFiles: 4, maxBytes: 512 * MiB },
} as const;

interface StateMeta<T> {
  version: number;
  model: string;
  tokens: Token[];
  savedAt: string;
  extra: T;
}

/**
 * The model's identity for saved states: its file (path, size, mtime) and the context size the
 * state was made with. A state loaded into another model could crash llama.cpp, so this errs on
 * "different".
 */
export function modelStateKey(info: ModelInfo, contextSize: number): string {
  const { path, fileSize, modifiedMs } = info;
  return createHash("sha256")
    .update(`${STATE_VERSION}\0${path}\0${fileSize}\0${Math.round(modifiedMs)}\0${contextSize}`)
    .digest("hex")
    .slice(0, 16);
}

export function tokensHash(tokens: readonly Token[]): string {
  return createHash("sha256")
    .update(new Uint8Array(Uint32Array.from(tokens as ArrayLike<number>).buffer))
    .digest("hex")
    .slice(0, 16);
}

export class StateFiles {
  readonly dir: string;
  readonly maxFiles: number;
  readonly maxBytes: number;
  /**
   * Why the last `peek` or `load` found its metadata unusable; undefined when it was fine or simply
   * absent. Such a state counts as absent: it costs an evaluation, never the turn.
   */
  problem: string | undefined;
  readonly #onProblem: (problem: string) => void;
  readonly #durable: boolean;

  constructor(options: StateFilesOptions) {
    this.dir = join(options.vaultDir, options.folder);
    this.maxFiles = options.maxFiles;
    this.maxBytes = options.maxBytes;
    this.#onProblem = options.onProblem ?? (() => {});
    this.#durable = options.durable ?? true;
  }

  fileFor(name: string): string {
    return join(this.dir, `${name}.bin`);
  }

  /** What was saved beside state `name`, without loading the state itself. */
  peek<T>(name: string): { tokens: Token[]; extra: T } | undefined {
    const meta = this.#readMeta<T>(metaFile(this.fileFor(name)));
    return meta ? { tokens: meta.tokens, extra: meta.extra } : undefined;
  }

  /**
   * Loads state `name` into `sequence` if it holds exactly `expected` (the saved tokens when
   * omitted); returns what was saved with it, or undefined (the sequence is then cleared).
   */
  async load<T>(
    name: string,
    sequence: LlamaContextSequence,
    expected?: readonly Token[],
  ): Promise<{ tokens: Token[]; extra: T } | undefined> {
    const file = this.fileFor(name);
    const meta = this.#readMeta<T>(metaFile(file));
    const want = expected ?? meta?.tokens;
    if (!meta || !want || !sameTokens(meta.tokens, want)) return undefined;
    try {
      await sequence.loadStateFromFile(file, { acceptRisk: true });
    } catch {
      await sequence.clearHistory();
      return undefined;
    }
    if (!sameTokens(sequence.contextTokens, want)) {
      await sequence.clearHistory();
      return undefined;
    }
    const now = new Date();
    try {
      utimesSync(metaFile(file), now, now);
    } catch {
      // Only the eviction order suffers.
    }
    return { tokens: meta.tokens, extra: meta.extra };
  }

  /**
   * Saves what `sequence` holds as state `name`. Returns the file, or throws (the caller logs it:
   * a state that cannot be written only costs time).
   */
  async save<T>(name: string, sequence: LlamaContextSequence, model: string, extra: T): Promise<string> {
    const file = this.fileFor(name);
    mkdirSync(this.dir, { recursive: true });
    const temp = join(this.dir, `.${process.pid}.${Date.now()}.bin.tmp`);
    try {
      await sequence.saveStateToFile(temp);
      if (this.#durable) fsyncFile(temp);
      renameSync(temp, file);
      if (this.#durable) syncDirectory(this.dir);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
    const meta: StateMeta<T> = {
      version: STATE_VERSION,
      model,
      tokens: [...sequence.contextTokens],
      savedAt: new Date().toISOString(),
      extra,
    };
    const metaText = `${JSON.stringify(meta)}\n`;
    if (this.#durable) writeFileAtomic(metaFile(file), metaText);
    else replaceFile(metaFile(file), metaText);
    this.prune(file);
    return file;
  }

  /** The metadata beside a state; undefined when absent, of an older layout, or unusable (`problem`). */
  #readMeta<T>(file: string): StateMeta<T> | undefined {
    this.problem = undefined;
    let meta: Partial<StateMeta<T>> | undefined;
    try {
      const bytes = readFileInside(file, {
        root: this.dir,
        maxBytes: MAX_META_BYTES,
        rootName: "its folder",
      });
      meta = JSON.parse(bytes.toString("utf8")) as Partial<StateMeta<T>> | undefined;
    } catch (error) {
      if (error instanceof UnsafeFileError && error.missing) return undefined;
      return this.#unusable(
        error instanceof UnsafeFileError ? error.message : `${file}: not JSON (${(error as Error).message})`,
      );
    }
    if (meta?.version !== STATE_VERSION) return undefined;
    if (!Array.isArray(meta.tokens) || !meta.tokens.every((t) => Number.isInteger(t)))
      return this.#unusable(`${file}: not a saved state's metadata (no token list)`);
    return meta as StateMeta<T>;
  }

  #unusable(problem: string): undefined {
    this.problem = `${problem}; the saved state is ignored`;
    this.#onProblem(this.problem);
    return undefined;
  }

  /**
   * Keeps the newest states (by last use) within `maxFiles` and `maxBytes`, never removing `keep`,
   * and removes leftovers of failed saves.
   */
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
      .map((file) => ({ file, used: modifiedAt(metaFile(file)), bytes: sizeOf(file) }))
      .sort((a, b) => (a.file === keep ? -1 : b.file === keep ? 1 : b.used - a.used));
    let bytes = 0;
    saved.forEach(({ file, bytes: size }, i) => {
      bytes += size;
      if (file === keep || (i < this.maxFiles && bytes <= this.maxBytes)) return;
      rmSync(metaFile(file), { force: true });
      rmSync(file, { force: true });
    });
  }
}

function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
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

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Size-capped first: a meta file is a token list and a few fields. */
const MAX_META_BYTES = 4 * MiB;

/** A temp file renamed into place, without fsync: for what does not outlive the process. */
function replaceFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
