import { sanitizeLine } from "../terminal/sanitize.ts";
import { EXIT } from "./exit-codes.ts";

/**
 * The one place an error that no command handled ends up. The operator gets one line (what
 * went wrong and where the details are), never a stack trace or the compiled binary's minified
 * source; the stack goes to the vault's log. Commands still handle the errors they expect
 * (bad input, a refused update) themselves, with their own words; this is the net under them.
 */

/** Errors thrown in a callback or a forgotten promise, outside the command line's own await. */
export function catchUnhandledErrors(): void {
  process.on("uncaughtException", (error) => void reportUnhandledError(error));
  process.on("unhandledRejection", (reason) => void reportUnhandledError(reason));
}

let reporting = false;

/** Prints one line, logs the stack to the vault's log, and exits. */
export async function reportUnhandledError(error: unknown): Promise<never> {
  // A second error while reporting the first (the log itself failing) must not loop.
  if (!reporting) {
    reporting = true;
    const logged = await logStack(error);
    const details = logged ? ` (details in ${logged})` : "";
    process.stderr.write(`ember: unexpected error: ${sanitizeLine(summary(error))}${details}\n`);
  }
  // The REPL may have left the terminal raw: the shell that follows must get it back as it was.
  if (process.stdin.isTTY) process.stdin.setRawMode?.(false);
  process.exit(EXIT.failure);
}

/** `Name: first line of the message`, the part of an error an operator can act on. */
export function summary(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split("\n")[0] ?? "";
  const message = error.message.split("\n")[0] ?? "";
  return message === "" ? error.name : `${error.name}: ${message}`;
}

/** The log file the stack went to, or undefined when it could not be written. */
async function logStack(error: unknown): Promise<string | undefined> {
  try {
    const [{ logFile }, { loadConfig }, { createLogger }] = await Promise.all([
      import("../app.ts"),
      import("../config/load.ts"),
      import("../log/logger.ts"),
    ]);
    const settings = loadConfig();
    const { maxBytes, keep } = settings.config.log;
    // At level error whatever the config says: this one record is the only trace of the failure.
    const logger = createLogger({ file: logFile(settings.vaultDir), level: "error", maxBytes, keep });
    const stack = error instanceof Error ? (error.stack ?? summary(error)) : String(error);
    logger.log.error("unexpected error", { error: summary(error), stack, argv: process.argv.slice(2) });
    return logger.problem() === undefined ? logger.file : undefined;
  } catch {
    return undefined;
  }
}
