import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { appendWholeRecords, lockFileFor } from "../fs/append-record.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { withFileLock } from "../fs/file-lock.ts";

/**
 * The REPL's input history: the last `limit` lines, persisted under the vault's state/. Appends
 * are cheap; the file is compacted (atomically) once it holds twice the limit. Several REPLs may
 * share a vault, so every change is made under the file's lock, and compaction keeps the newest
 * lines of what is on disk (theirs included), not this REPL's own. A vault that cannot be written
 * keeps history in memory and says why through `problem`.
 */
export class InputHistory {
  readonly lines: string[] = [];
  problem: string | undefined;

  constructor(
    private readonly file: string,
    private readonly limit: number,
  ) {
    this.lines.push(...readLines(file).slice(-limit));
  }

  add(line: string): void {
    const entry = line.replace(/[\r\n]+/g, " ").trim();
    if (!entry || this.limit === 0 || this.lines.at(-1) === entry) return;
    this.lines.push(entry);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      withFileLock(lockFileFor(this.file), () => {
        const onDisk = readLines(this.file);
        if (onDisk.length + 1 > this.limit * 2) {
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
}

/** The history file's lines; none when it does not exist yet or cannot be read. */
function readLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
