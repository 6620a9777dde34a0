/**
 * Ember's exit codes, the contract scripts rely on (README.md, "Exit codes"). Every command
 * exits through these names so the table and the code cannot drift apart.
 */
export const EXIT = {
  /** Done; for `ember status`, healthy. */
  ok: 0,
  /** The command ran and failed (a piped REPL line failed, a download broke, no model, ...). */
  failure: 1,
  /** Ember was called wrongly: an unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** `ember status`: running, but something needs attention (an agent degraded, config issues). */
  degraded: 3,
  /** `ember status`: an agent failed. */
  failed: 4,
} as const;
