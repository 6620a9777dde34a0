import { type ConsolaInstance, createConsola, LogLevels } from "consola";
import type { LOG_LEVELS } from "../config/schema.ts";
import { JsonFileReporter } from "./file-reporter.ts";

export type LogLevelName = (typeof LOG_LEVELS)[number];

const LEVELS: Record<LogLevelName, number> = {
  silent: LogLevels.silent,
  error: LogLevels.error,
  warn: LogLevels.warn,
  info: LogLevels.info,
  debug: LogLevels.debug,
  trace: LogLevels.trace,
};

export interface EmberLogger {
  log: ConsolaInstance;
  file: string;
  /** Why the log file cannot be written right now, if it cannot. */
  problem(): string | undefined;
}

/**
 * The log goes only to the vault's log file, never to the terminal, so it cannot interleave with
 * the REPL's own output. `ember logs` shows it.
 */
export function createLogger(options: {
  file: string;
  level: LogLevelName;
  maxBytes: number;
  keep: number;
}): EmberLogger {
  const reporter = new JsonFileReporter(options);
  const log = createConsola({ level: LEVELS[options.level], reporters: [reporter] });
  return { log, file: options.file, problem: () => reporter.lastError };
}
