import { sanitizeLine } from "../terminal/sanitize.ts";
import type { Style } from "../terminal/style.ts";
import type { LogLevelName } from "./logger.ts";

/** One line of the log file, as `ember logs` shows it. */
export interface LogRecord {
  time?: string;
  level?: string;
  msg?: string;
  /** Everything else the record holds, in order. */
  fields: [string, unknown][];
  /** The line itself (for --json). */
  raw: string;
  /** Not a JSON object: a line torn by a crash or a full disk (before 0.2), or written by hand. */
  damaged?: true;
}

/** The log's levels, most severe first; `--level warn` keeps error and warn. */
const SEVERITY: readonly string[] = [
  "fatal",
  "error",
  "warn",
  "log",
  "info",
  "success",
  "start",
  "box",
  "ready",
  "debug",
  "trace",
  "verbose",
];

export function parseLogLine(raw: string): LogRecord {
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const { time, level, msg, ...rest } = value as Record<string, unknown>;
      return {
        ...(typeof time === "string" ? { time } : {}),
        ...(typeof level === "string" ? { level } : {}),
        ...(typeof msg === "string" ? { msg } : {}),
        fields: Object.entries(rest),
        raw,
      };
    }
  } catch {
    // Falls through: not a record.
  }
  return { fields: [], raw, damaged: true };
}

/** Whether a record is at `level` or more severe; a line that is not a record has no level. */
export function atLeast(record: LogRecord, level: LogLevelName): boolean {
  if (record.level === undefined) return false;
  const at = SEVERITY.indexOf(record.level);
  const limit = level === "silent" ? -1 : SEVERITY.indexOf(level);
  return at === -1 || at <= limit;
}

/**
 * `2026-11-30 10:29:27 warn  index update failed  error="disk full"`: time (UTC, as stored),
 * level, message, then the other fields as key=value. All of it passes the terminal sanitizer:
 * messages quote file names and plugin output.
 */
export function formatLogRecord(record: LogRecord, style: Style): string {
  if (record.time === undefined && record.level === undefined && record.msg === undefined) {
    return sanitizeLine(record.raw);
  }
  const time = record.time ? record.time.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "";
  const level = (record.level ?? "").padEnd(5);
  const painted =
    record.level === "error" || record.level === "fatal"
      ? style.red(level)
      : record.level === "warn"
        ? style.yellow(level)
        : style.dim(level);
  const fields = record.fields.map(([key, value]) => `${key}=${fieldText(value)}`).join(" ");
  const parts = [
    style.dim(time),
    painted,
    sanitizeLine(record.msg ?? ""),
    fields ? style.dim(sanitizeLine(fields)) : "",
  ];
  return parts.filter(Boolean).join("  ");
}

function fieldText(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
