import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { ConsolaReporter, LogObject } from "consola";
import { appendWholeRecords, lockFileFor } from "../fs/append-record.ts";
import { withFileLock } from "../fs/file-lock.ts";

export interface FileReporterOptions {
  file: string;
  maxBytes: number;
  /** Rotated files kept beside the log: ember.log.1 (newest) .. ember.log.<keep>. */
  keep: number;
}

/**
 * Writes each log event as one JSON line. Appends are synchronous and whole (fs/append-record: a
 * full disk or a crash never leaves half a line for the next record to join); rotation is by size. A log that cannot be written never breaks Ember:
 * the reporter remembers the error so `/status` can say what it cannot save.
 */
export class JsonFileReporter implements ConsolaReporter {
  lastError: string | undefined;

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
      mkdirSync(dirname(file), { recursive: true });
      // Rotation and the append happen under one lock: another Ember may be writing this log too.
      withFileLock(lockFileFor(file), () => {
        const size = fileSize(file);
        if (size + Buffer.byteLength(line) > maxBytes && size > 0) this.rotate();
        appendWholeRecords(file, line);
      });
      this.lastError = undefined;
    } catch (error) {
      this.lastError = `cannot write ${file}: ${(error as Error).message}`;
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
