import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { ConsolaReporter, LogObject } from "consola";

export interface FileReporterOptions {
  file: string;
  maxBytes: number;
  /** Rotated files kept beside the log: ember.log.1 (newest) .. ember.log.<keep>. */
  keep: number;
}

/**
 * Writes each log event as one JSON line. Synchronous appends keep lines whole and ordered even
 * when Ember is killed; rotation is by size. A log that cannot be written never breaks Ember:
 * the reporter remembers the error so `/status` can say what it cannot save.
 */
export class JsonFileReporter implements ConsolaReporter {
  lastError: string | undefined;
  private size = -1;

  constructor(private readonly options: FileReporterOptions) {}

  log(entry: LogObject): void {
    const { date, type, tag, args } = entry;
    const [first, ...rest] = args;
    const record: Record<string, unknown> = { time: date.toISOString(), level: type };
    if (tag) record.tag = tag;
    if (typeof first === "string") record.msg = first;
    else if (first !== undefined) rest.unshift(first);
    const loose: unknown[] = [];
    for (const extra of rest) {
      if (extra && typeof extra === "object" && !Array.isArray(extra)) Object.assign(record, extra);
      else if (extra !== undefined) loose.push(extra);
    }
    if (loose.length > 0) record.args = loose;
    this.append(`${JSON.stringify(record, errorReplacer)}\n`);
  }

  private append(line: string): void {
    const { file, maxBytes } = this.options;
    try {
      if (this.size < 0) {
        mkdirSync(dirname(file), { recursive: true });
        this.size = fileSize(file);
      }
      if (this.size + line.length > maxBytes && this.size > 0) this.rotate();
      appendFileSync(file, line);
      this.size += Buffer.byteLength(line);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = `cannot write ${file}: ${(error as Error).message}`;
      this.size = -1;
    }
  }

  private rotate(): void {
    const { file, keep } = this.options;
    if (keep === 0) rmSync(file, { force: true });
    for (let n = keep; n >= 1; n--) {
      const from = n === 1 ? file : `${file}.${n - 1}`;
      try {
        renameSync(from, `${file}.${n}`);
      } catch {
        // A gap in the rotation chain is normal for a young log.
      }
    }
    this.size = 0;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
