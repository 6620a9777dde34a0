import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { appendWholeRecords, lockFileFor } from "../fs/append-record.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { withFileLock } from "../fs/file-lock.ts";
import { type FileTail, readTailLinesInside, UnsafeFileError } from "../fs/safe-open.ts";
import { formatBytes } from "../terminal/bytes.ts";

/**
 * The most of the history file read: far more than `repl.historySize` lines of typing. A larger
 * file (written by hand, or grown by a bug) costs no memory and no console: its newest lines are
 * read, and the next line typed compacts it.
 */
export const HISTORY_MAX_BYTES = 1024 * 1024;

/**
 * The REPL's input history: the last `limit` lines, persisted under the vault's state/. Appends
 * are cheap; the file is compacted (atomically) once it holds twice the limit. Several REPLs may
 * share a vault, so every change is made under the file's lock, and compaction keeps the newest
 * lines of what is on disk (theirs included), not this REPL's own. A vault that cannot be written
 * keeps history in memory and says why through `problem`; so does a file that is too large (its
 * newest lines are kept) or that is not a regular file inside the state folder (not read).
 */
export class InputHistory {
  readonly lines: string[] = [];
  problem: string | undefined;

  constructor(
    private readonly file: string,
    private readonly limit: number,
  ) {
    try {
      const { lines, skipped } = this.#readTail();
      this.lines.push(...lines.slice(-limit));
      if (skipped > 0)
        this.problem = `${file}: over the ${formatBytes(HISTORY_MAX_BYTES)} limit; only its newest lines were read (the ${formatBytes(skipped)} before them were not)`;
    } catch (error) {
      this.problem = `history not read: ${(error as Error).message}`;
    }
  }

  add(line: string): void {
    const entry = line.replace(/[\r\n]+/g, " ").trim();
    if (!entry || this.limit === 0 || this.lines.at(-1) === entry) return;
    this.lines.push(entry);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      withFileLock(lockFileFor(this.file), () => {
        const { lines: onDisk, skipped } = this.#readTail();
        if (onDisk.length + 1 > this.limit * 2 || skipped > 0) {
          writeFileAtomic(this.file, `${[...onDisk, entry].slice(-this.limit).join("\n")}\n`, 0o600);
        } else {
          appendWholeRecords(this.file, `${entry}\n`, 0o600);
        }
      });
      this.problem = undefined;
    } catch (error) {
      this.problem = `history not saved: ${(error as Error).message}`;
    }
  }

  /**
   * The file's newest lines, none before it exists; an UnsafeFileError when it is not a regular
   * file inside the state folder. Compaction writes what this returns, so an oversize file heals.
   */
  #readTail(): FileTail {
    try {
      return readTailLinesInside(this.file, { root: dirname(this.file), maxBytes: HISTORY_MAX_BYTES });
    } catch (error) {
      if (error instanceof UnsafeFileError && error.missing) return { lines: [], skipped: 0 };
      throw error;
    }
  }
}
