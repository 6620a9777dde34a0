import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.ts";

/**
 * The REPL's input history: the last `limit` lines, persisted under the vault's state/. Appends
 * are cheap; the file is compacted (atomically) once it holds twice the limit. A vault that cannot
 * be written keeps history in memory and says why through `problem`.
 */
export class InputHistory {
  readonly lines: string[] = [];
  problem: string | undefined;
  private fileLines = 0;

  constructor(
    private readonly file: string,
    private readonly limit: number,
  ) {
    try {
      const stored = readFileSync(file, "utf8").split("\n").filter(Boolean);
      this.fileLines = stored.length;
      this.lines.push(...stored.slice(-limit));
    } catch {
      // No history yet.
    }
  }

  add(line: string): void {
    const entry = line.replace(/[\r\n]+/g, " ").trim();
    if (!entry || this.limit === 0 || this.lines.at(-1) === entry) return;
    this.lines.push(entry);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      if (this.fileLines + 1 > this.limit * 2) {
        writeFileAtomic(this.file, `${this.lines.join("\n")}\n`, 0o600);
        this.fileLines = this.lines.length;
      } else {
        appendFileSync(this.file, `${entry}\n`, { mode: 0o600 });
        this.fileLines++;
      }
      this.problem = undefined;
    } catch (error) {
      this.problem = `history not saved: ${(error as Error).message}`;
    }
  }
}
