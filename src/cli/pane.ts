import { closeSync, openSync } from "node:fs";
import { constants } from "node:os";
import { defineCommand } from "citty";
import type { ConsolaInstance } from "consola";
import { loginShell } from "../os/login-shell.ts";
import { emberArgv } from "./ember-argv.ts";
import { summary } from "./unhandled-error.ts";

/**
 * `ember pane`: what every tmux pane and window runs. The REPL; when the operator leaves it, their
 * login shell. A REPL that crashes (nonzero exit or a signal) is restarted after 1 s, 2 s, 4 s, …
 * (at most 30 s; back to 1 s after a run of a minute or more), and each crash is logged. Ctrl-C
 * during the wait gives the shell instead. A REPL that cannot start at all (three deaths in a row,
 * each within 5 s of its start) gives the shell at once, and so does any failure of the pane itself:
 * a pane is never left with neither a REPL nor a shell.
 *
 * Environment:
 *   EMBER_SKIP_AUTO_REPL=1   the login shell at once, no REPL
 *   EMBER_PANE_COMMAND       a `sh -c` command line run instead of the REPL (tests, custom panes)
 */

export const FIRST_RESTART_DELAY_MS = 1000;
export const MAX_RESTART_DELAY_MS = 30_000;
/** A run this long counts as healthy: the next crash starts the backoff again from 1 s. */
export const HEALTHY_RUN_MS = 60_000;

/** How long to wait before restart number `crashesInARow` (1 for the first crash). */
export function restartDelayMs(crashesInARow: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** Math.max(0, crashesInARow - 1));
}

/** $SHELL, else the account's shell, else /bin/sh when neither can be run. */
export function loginShellPath(env: Record<string, string | undefined>): string {
  const shell = loginShell(env);
  return shell.usable ? shell.path : "/bin/sh";
}

export interface PaneOptions {
  env: Record<string, string | undefined>;
  /** Opened only when there is something to log, so an idle pane stays small. */
  log(): Promise<ConsolaInstance>;
  /** What the operator sees in the pane about crashes. */
  say(line: string): void;
}

/** A REPL that dies this soon after it was started did not get going. */
export const STARTUP_GRACE_MS = 5000;
/** This many such deaths in a row: the REPL cannot start, and the pane gives the shell instead. */
export const FAILED_STARTS_BEFORE_SHELL = 3;

export async function runPane(options: PaneOptions): Promise<number> {
  const { env } = options;
  const signals = new PaneSignals();
  try {
    const shell = [loginShellPath(env), "-l"];
    if (env.EMBER_SKIP_AUTO_REPL === "1") return await signals.run(shell, env);
    try {
      const ended = await superviseRepl(options, signals);
      if (ended !== undefined) return ended;
    } catch (error) {
      // Whatever went wrong in the pane itself, the operator still gets a shell.
      options.say(`ember: the pane failed (${summary(error)}); here is your login shell`);
    }
    return await signals.run(shell, env);
  } finally {
    signals.dispose();
  }
}

/**
 * Runs the REPL until it is left, restarting it when it crashes. Returns the pane's exit code when
 * the pane itself is ending, or undefined when the login shell should follow.
 */
async function superviseRepl(options: PaneOptions, signals: PaneSignals): Promise<number | undefined> {
  const { env } = options;
  const repl = env.EMBER_PANE_COMMAND ? ["/bin/sh", "-c", env.EMBER_PANE_COMMAND] : [...emberArgv(), "repl"];
  let crashes = 0;
  let failedStarts = 0;
  for (;;) {
    const started = Date.now();
    const ended = await signals.runChild(repl, env);
    if (signals.ended) return signals.exitCode();
    if (ended.code === 0 && !ended.signal) return undefined;
    const ranMs = Date.now() - started;
    crashes = ranMs >= HEALTHY_RUN_MS ? 1 : crashes + 1;
    failedStarts = ranMs < STARTUP_GRACE_MS ? failedStarts + 1 : 0;
    const log = await openLogQuietly(options);
    const how = ended.signal ? `was killed by ${ended.signal}` : `exited with code ${ended.code}`;
    if (!terminalAttached()) {
      // The pane was closed under it: nobody is left to use a restarted REPL.
      log?.warn("repl crashed; not restarted: the terminal is gone", { command: repl, ...ended, ranMs });
      return 1;
    }
    if (failedStarts >= FAILED_STARTS_BEFORE_SHELL) {
      log?.error("repl cannot start; login shell given", { command: repl, ...ended, failedStarts });
      options.say(
        `ember: the REPL cannot start (it ${how} ${failedStarts} times in a row, within ${STARTUP_GRACE_MS / 1000}s each; its reason is above). Here is your login shell; type ember to try again.`,
      );
      return undefined;
    }
    const delayMs = restartDelayMs(crashes);
    log?.warn("repl crashed", { command: repl, ...ended, ranMs, crashes, restartInMs: delayMs });
    options.say(`ember: the REPL ${how}; restarting in ${delayMs / 1000}s (Ctrl-C for a shell)`);
    const woken = await signals.wait(delayMs);
    if (woken === "end") return signals.exitCode();
    if (woken === "interrupt") {
      log?.info("repl restart skipped: shell requested", { crashes });
      return undefined;
    }
    log?.info("repl restart", { crashes });
  }
}

/** The log, or nothing when it cannot be opened: a broken log must not cost the operator the pane. */
async function openLogQuietly(options: PaneOptions): Promise<ConsolaInstance | undefined> {
  try {
    return await options.log();
  } catch {
    return undefined;
  }
}

interface ChildEnd {
  code: number | null;
  signal: string | null;
}

/**
 * The pane's signals. Ctrl-C (SIGINT) reaches the whole foreground group: it is the child's to
 * handle, and during a restart wait it asks for the shell. A hangup or termination (the pane
 * closed, `kill`) is passed to the child and ends the pane: no restart, no shell.
 */
class PaneSignals {
  ended: NodeJS.Signals | undefined;
  #child: Bun.Subprocess | undefined;
  #wake: ((why: "interrupt" | "end") => void) | undefined;
  readonly #onEnd = (signal: NodeJS.Signals) => {
    this.ended ??= signal;
    this.#child?.kill(signal);
    this.#wake?.("end");
  };
  readonly #onInterrupt = () => this.#wake?.("interrupt");

  constructor() {
    process.on("SIGHUP", this.#onEnd);
    process.on("SIGTERM", this.#onEnd);
    process.on("SIGINT", this.#onInterrupt);
  }

  async runChild(argv: string[], env: Record<string, string | undefined>): Promise<ChildEnd> {
    let proc: Bun.Subprocess;
    try {
      proc = Bun.spawn(argv, { env, stdio: ["inherit", "inherit", "inherit"] });
    } catch {
      // Cannot even start (no such file): the same as a crash, so the backoff applies.
      return { code: 127, signal: null };
    }
    this.#child = proc;
    const code = await proc.exited;
    this.#child = undefined;
    const signal = proc.signalCode;
    return signal === null ? { code, signal: null } : { code: null, signal: String(signal) };
  }

  async run(argv: string[], env: Record<string, string | undefined>): Promise<number> {
    const ended = await this.runChild(argv, env);
    return this.ended ? this.exitCode() : (ended.code ?? 1);
  }

  wait(ms: number): Promise<"timeout" | "interrupt" | "end"> {
    if (this.ended) return Promise.resolve("end");
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish("timeout"), ms);
      const finish = (why: "timeout" | "interrupt" | "end") => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(why);
      };
      this.#wake = finish;
    });
  }

  /** 128 + the signal's number, as a shell reports a death by signal. */
  exitCode(): number {
    return 128 + (this.ended ? (constants.signals[this.ended] ?? 0) : 0);
  }

  dispose(): void {
    process.off("SIGHUP", this.#onEnd);
    process.off("SIGTERM", this.#onEnd);
    process.off("SIGINT", this.#onInterrupt);
  }
}

/** Whether this process still has its terminal (after a pane is closed, /dev/tty cannot be opened). */
function terminalAttached(): boolean {
  try {
    closeSync(openSync("/dev/tty", "r"));
    return true;
  } catch {
    return false;
  }
}

export default defineCommand({
  meta: {
    name: "pane",
    description: "what every tmux pane runs: the REPL (restarted if it crashes), then the login shell",
  },
  async run() {
    const env = process.env;
    const code = await runPane({
      env,
      log: () => openLog(env),
      say: (line) => process.stderr.write(`${line}\n`),
    });
    process.exit(code);
  },
});

let opened: Promise<ConsolaInstance> | undefined;

/** The vault's log, by the current config; loaded on first use (config and logger cost ~25 MB). */
function openLog(env: Record<string, string | undefined>): Promise<ConsolaInstance> {
  opened ??= Promise.all([import("../app.ts"), import("../config/load.ts"), import("../log/logger.ts")]).then(
    ([{ logFile }, { loadConfig }, { createLogger }]) => {
      const settings = loadConfig({ env, cwd: process.cwd() });
      const { level, maxBytes, keep } = settings.config.log;
      return createLogger({ file: logFile(settings.vaultDir), level, maxBytes, keep }).log;
    },
  );
  return opened;
}
