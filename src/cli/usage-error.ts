import { sanitizeLine } from "../terminal/sanitize.ts";

/**
 * A command line Ember cannot run as written (unknown option, bad value): the CLI prints one line,
 * the command's synopsis, and exits 2. Thrown by the argument check and by commands that validate
 * their own option values. The message echoes what was typed, so its control characters are shown,
 * never obeyed.
 */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";

  constructor(message: string) {
    super(sanitizeLine(message));
  }
}
