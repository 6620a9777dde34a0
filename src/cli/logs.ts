import { closeSync, existsSync, openSync, readSync, statSync, watch } from "node:fs";
import { defineCommand } from "citty";
import { logFile } from "../app.ts";
import { loadConfig } from "../config/load.ts";
import { LOG_LEVELS } from "../config/schema.ts";
import type { LogLevelName } from "../log/logger.ts";
import { atLeast, formatLogRecord, type LogRecord, parseLogLine } from "../log/readable.ts";
import { escapeJsonControls, sanitizeLine } from "../terminal/sanitize.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";
import { EXIT } from "./exit-codes.ts";
import { CliUsageError } from "./usage-error.ts";

/** The most of the log read at once: a log rotates at log.maxBytes, this only guards a runaway one. */
const READ_CAP = 16 * 1024 * 1024;

export default defineCommand({
  meta: { name: "logs", description: "show Ember's log (the vault's logs/ember.log) as readable lines" },
  args: {
    lines: { type: "string", alias: "n", description: "only the last N records (with -f: default 10)" },
    level: { type: "string", description: `only records at this level or worse: ${LOG_LEVELS.join(", ")}` },
    json: { type: "boolean", default: false, description: "the records as stored, one JSON object a line" },
    follow: {
      type: "boolean",
      alias: "f",
      description: "keep printing new records as they come",
      default: false,
    },
  },
  async run({ args }) {
    const last = args.lines === undefined ? (args.follow ? 10 : undefined) : Number(args.lines);
    if (last !== undefined && !(Number.isInteger(last) && last >= 0)) {
      throw new CliUsageError(`-n ${args.lines}: expected a whole number of records`);
    }
    const level = args.level;
    if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new CliUsageError(`--level ${level}: expected one of ${LOG_LEVELS.join(", ")}`);
    }
    const file = logFile(loadConfig().vaultDir);
    if (!existsSync(file) && !args.follow) {
      process.stderr.write(`ember logs: no log yet at ${file}\n`);
      process.exitCode = EXIT.failure;
      return;
    }
    const style = createStyle(colorWanted(process.stdout));
    const wanted = (record: LogRecord) => level === undefined || atLeast(record, level as LogLevelName);
    /** The records wanted; a damaged line (torn by a crash or a full disk) is skipped, and counted. */
    const keep = (records: LogRecord[]) => {
      const damaged = records.filter((r) => r.damaged).length;
      if (damaged > 0) process.stderr.write(`ember logs: skipped ${damaged} damaged line(s)\n`);
      return records.filter((r) => !r.damaged && wanted(r));
    };
    const show = (records: LogRecord[]) => {
      // A stored line keeps C1 controls raw (JSON escapes only C0): escaped as JSON does C0, and a line
      // that is not JSON shows its controls as pictures.
      const text = records
        .map((r) => (args.json ? sanitizeLine(escapeJsonControls(r.raw)) : formatLogRecord(r, style)))
        .join("\n");
      if (text !== "") process.stdout.write(`${text}\n`);
    };

    const tail = new LogTail(file);
    const first = keep(tail.read());
    show(last === undefined ? first : first.slice(Math.max(0, first.length - last)));
    if (!args.follow) return;
    // Poll as well as watch: a rotation replaces the file, which ends a plain watch.
    const printNew = () => show(keep(tail.read()));
    const timer = setInterval(printNew, 1000);
    const watcher = existsSync(file) ? watch(file, { persistent: false }, printNew) : undefined;
    watcher?.on("error", () => {});
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    clearInterval(timer);
    watcher?.close();
  },
});

/** Reads whole new lines of a growing (and rotating) log file. */
class LogTail {
  #offset = 0;
  #partial = "";

  constructor(private readonly file: string) {}

  read(): LogRecord[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size < this.#offset) {
      // Rotated: the new file from its top.
      this.#offset = 0;
      this.#partial = "";
    }
    if (size === this.#offset) return [];
    const start = Math.max(this.#offset, size - READ_CAP);
    const skipFirst = start > this.#offset;
    const buffer = Buffer.alloc(size - start);
    const fd = openSync(this.file, "r");
    try {
      readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      closeSync(fd);
    }
    this.#offset = size;
    const lines = (this.#partial + buffer.toString("utf8")).split("\n");
    this.#partial = lines.pop() ?? "";
    if (skipFirst) lines.shift(); // cut mid-record by the cap
    return lines.filter((line) => line.trim() !== "").map(parseLogLine);
  }
}
