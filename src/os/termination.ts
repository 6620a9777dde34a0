/**
 * SIGTERM (OpenRC stopping the service, `kill`) and SIGHUP (the terminal or the tmux pane went
 * away) end Ember, but the turn in flight is not simply lost: the job running is aborted with
 * TerminatedError, so its own stop path records it (the transcript gets the partial answer with
 * `stopped: "terminated"`), and the process exits 128+n once the job has settled, or after a
 * grace period if it does not.
 */

/** SIGINT only reaches a process without a console to read Ctrl-C from (`ember serve` in the foreground). */
export type TerminationSignal = "SIGTERM" | "SIGHUP" | "SIGINT";

const SIGNAL_NUMBERS: Record<TerminationSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** How long a job may take to record itself after the signal before the process exits anyway. */
export const TERMINATION_GRACE_MS = 3000;

/** The abort reason when the process was told to stop; a turn stopped by it is "terminated". */
export class TerminatedError extends Error {
  override readonly name = "TerminatedError";
  constructor(readonly signal: TerminationSignal) {
    super(`terminated by ${signal}`);
  }
}

export interface TerminationGuard {
  /** Runs `job` as the one in flight: a termination aborts `controller` and waits for the job. */
  run<T>(controller: AbortController, job: () => Promise<T>): Promise<T>;
  /** Stops watching the signals (the program is ending by itself). */
  dispose(): void;
  /** 128 + the signal's number once one arrived: the code to exit with, whoever exits first. */
  readonly exitCode: number | undefined;
}

export interface TerminationOptions {
  /** Last words before exiting (a log line); the exit code is 128 + the signal's number. */
  beforeExit?(code: number, signal: TerminationSignal): void;
  graceMs?: number;
}

/** Watches SIGTERM and SIGHUP until disposed; see the file comment. */
export function guardTermination(options: TerminationOptions = {}): TerminationGuard {
  let current: { controller: AbortController; settled: Promise<unknown> } | undefined;
  let exitCode: number | undefined;

  const onSignal = (signal: TerminationSignal) => {
    if (exitCode !== undefined) return;
    const code = 128 + SIGNAL_NUMBERS[signal];
    exitCode = code;
    const job = current;
    job?.controller.abort(new TerminatedError(signal));
    const grace = new Promise((resolve) => setTimeout(resolve, options.graceMs ?? TERMINATION_GRACE_MS));
    void Promise.race([job?.settled, grace]).then(async () => {
      options.beforeExit?.(code, signal);
      // Output to a pipe drains asynchronously: let what the job printed reach its reader.
      await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
      process.exit(code);
    });
  };
  const onTerm = () => onSignal("SIGTERM");
  const onHup = () => onSignal("SIGHUP");
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onHup);

  return {
    async run(controller, job) {
      const promise = job();
      const entry = { controller, settled: promise.catch(() => undefined) };
      current = entry;
      try {
        return await promise;
      } finally {
        if (current === entry) current = undefined;
      }
    },
    dispose() {
      process.off("SIGTERM", onTerm);
      process.off("SIGHUP", onHup);
    },
    get exitCode() {
      return exitCode;
    },
  };
}
