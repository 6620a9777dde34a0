/**
 * Drive a program in a real terminal: a detached tmux session on a private server.
 *
 * Each session gets its own tmux server on a socket in its own temp folder (`tmux -S`,
 * removed with the folder: tmux 3.3a leaves `-L` sockets behind in /tmp/tmux-UID) and an
 * empty config, so tests never touch the user's tmux or each other. The pane stays around after the
 * program exits (remain-on-exit) so its last screen can be read. The exit status comes
 * from a small `sh` wrapper that writes it to a file: tmux 3.3a here sometimes never
 * reaps the pane's process, leaving #{pane_dead_status} empty. Sessions left open are
 * killed when the test process exits, and if it dies without running exit hooks (killed
 * by a timeout), a watchdog in the wrapper kills the server within a second or two.
 *
 * capture-pane drops trailing spaces, so wait for "demo>" rather than "demo> ".
 *
 *   const tmux = await TmuxSession.start({ command: ["bun", "demo.ts"], width: 60 });
 *   await tmux.waitFor("demo> ");
 *   await tmux.sendText("/sta");
 *   await tmux.sendKeys("Tab");
 *   await tmux.waitFor(/\/status $/m);
 *   await tmux.kill();
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectOutput } from "./subprocess.ts";

export interface TmuxSessionOptions {
  /** argv of the program; run directly, not through a shell. */
  command: string[];
  /** Added to the environment the tmux server was started with (this process's). */
  env?: Record<string, string>;
  /** Removed from that environment. */
  unset?: readonly string[];
  cwd?: string;
  /** Terminal size; 80x24 by default. */
  width?: number;
  height?: number;
  /** TERM inside the pane; "screen" by default (terminfo for it is everywhere). */
  term?: string;
}

export interface CaptureOptions {
  /** Include scrollback above the visible screen. */
  history?: boolean;
  /** Join lines the terminal wrapped, so long text reads as one line. */
  joinWrapped?: boolean;
  /** Keep colour and attribute escapes (capture-pane -e). */
  escapes?: boolean;
}

export interface WaitOptions extends CaptureOptions {
  /** 20 s by default: the machine running tests may be slow and busy. */
  timeoutMs?: number;
}

/** A tmux command failed; carries what tmux said. */
export class TmuxCommandError extends Error {
  override readonly name = "TmuxCommandError";
  constructor(
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(`tmux ${args.join(" ")} failed: ${stderr.trim()}`);
  }
}

/** `waitFor` gave up; the message holds the last screen to show what happened instead. */
export class TmuxTimeoutError extends Error {
  override readonly name = "TmuxTimeoutError";
  constructor(
    readonly waitingFor: string,
    readonly lastScreen: string,
  ) {
    super(`timed out waiting for ${waitingFor}; last screen:\n${lastScreen}`);
  }
}

const POLL_MS = 40;
const DEFAULT_TIMEOUT_MS = 20_000;
const COMMAND_TIMEOUT_MS = 15_000;
const TARGET = "test";

const live = new Set<TmuxSession>();

// Last resort for a test that failed before its own cleanup ran.
process.once("exit", () => {
  for (const session of live) session.killSync();
});

export class TmuxSession {
  /** Path of this session's server socket, for `tmux -S` by hand while debugging. */
  readonly socket: string;
  readonly #dir: string;
  readonly #statusFile: string;
  #killed = false;

  private constructor(dir: string) {
    this.socket = join(dir, "tmux.sock");
    this.#dir = dir;
    this.#statusFile = join(dir, "exit-status");
  }

  static async start(options: TmuxSessionOptions): Promise<TmuxSession> {
    const dir = mkdtempSync(join(tmpdir(), "ember-tmux-"));
    const config = join(dir, "tmux.conf");
    writeFileSync(
      config,
      [
        "set -g remain-on-exit on",
        "set -g status off",
        "set -g history-limit 100000",
        `set -g default-terminal "${options.term ?? "screen"}"`,
        "set -sg escape-time 0",
        "",
      ].join("\n"),
    );
    const session = new TmuxSession(dir);
    // `trap :` catches rather than ignores, so the program still starts with default signal
    // handling (caught signals reset on exec); it keeps sh alive to record the status when
    // Ctrl-C in cooked mode signals the whole process group. The background watchdog
    // (detached from the terminal, deaf to the SIGHUP its own kill-server causes) ends the
    // server and removes the temp folder once this test process is gone, and ends itself
    // once `kill` removed the socket.
    const wrapper = [
      "trap : INT QUIT",
      "status_file=$1; socket=$2; owner=$3; shift 3",
      '(trap "" HUP; while kill -0 "$owner" && [ -S "$socket" ]; do sleep 1; done; [ -S "$socket" ] && tmux -S "$socket" kill-server && rm -rf "$(dirname "$socket")") </dev/null >/dev/null 2>&1 &',
      '"$@"',
      'echo $? > "$status_file.tmp"; mv "$status_file.tmp" "$status_file"',
    ].join("\n");
    live.add(session);
    const env = Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`);
    try {
      await session.tmux([
        "-f",
        config,
        "new-session",
        "-d",
        "-s",
        TARGET,
        "-x",
        String(options.width ?? 80),
        "-y",
        String(options.height ?? 24),
        ...(options.cwd ? ["-c", options.cwd] : []),
        "--",
        "env",
        ...(options.unset ?? []).flatMap((name) => ["-u", name]),
        ...env,
        "sh",
        "-c",
        wrapper,
        "sh",
        session.#statusFile,
        session.socket,
        String(process.pid),
        ...options.command,
      ]);
    } catch (error) {
      await session.kill();
      throw error;
    }
    return session;
  }

  /** Press keys by tmux name: "Tab", "Enter", "C-c", "Up", "BSpace", "M-b", … */
  async sendKeys(...keys: string[]): Promise<void> {
    await this.tmux(["send-keys", "-t", TARGET, ...keys]);
  }

  /** Type `text` literally (no key-name interpretation). */
  async sendText(text: string): Promise<void> {
    await this.tmux(["send-keys", "-t", TARGET, "-l", "--", text]);
  }

  /**
   * Paste `text` as a terminal paste: bracketed (ESC[200~ … ESC[201~) when the program
   * asked for it, as tmux's paste-buffer -p does. Goes through a file, so size is no issue.
   */
  async paste(text: string): Promise<void> {
    const file = join(this.#dir, `paste-${Date.now()}`);
    writeFileSync(file, text);
    await this.tmux(["load-buffer", "-b", "ember-paste", file]);
    await this.tmux(["paste-buffer", "-p", "-d", "-b", "ember-paste", "-t", TARGET]);
    rmSync(file, { force: true });
  }

  /** The screen as text (capture-pane -p), trailing blank lines removed. */
  async capture(options: CaptureOptions = {}): Promise<string> {
    const args = ["capture-pane", "-p", "-t", TARGET];
    if (options.history) args.push("-S", "-");
    if (options.joinWrapped) args.push("-J");
    if (options.escapes) args.push("-e");
    return (await this.tmux(args)).replace(/\n+$/, "");
  }

  /**
   * Poll the screen until it contains `pattern` (a string, a regular expression, or a test
   * of the whole screen); returns that screen.
   */
  async waitFor(
    pattern: string | RegExp | ((screen: string) => boolean),
    options: WaitOptions = {},
  ): Promise<string> {
    const matches = (screen: string) =>
      typeof pattern === "string"
        ? screen.includes(pattern)
        : pattern instanceof RegExp
          ? pattern.test(screen)
          : pattern(screen);
    const description =
      typeof pattern === "string"
        ? JSON.stringify(pattern)
        : pattern instanceof RegExp
          ? String(pattern)
          : "a screen test";
    return this.#poll(description, options, async () => {
      const screen = await this.capture(options);
      return matches(screen) ? screen : undefined;
    });
  }

  /** The cursor cell, 0-based, as tmux sees it. */
  async cursor(): Promise<{ x: number; y: number }> {
    const [x, y] = (await this.display("#{cursor_x} #{cursor_y}")).split(" ").map(Number);
    return { x: x ?? -1, y: y ?? -1 };
  }

  /** The program's exit status once it has exited (128 + n for signal n), else null. */
  async exitStatus(): Promise<number | null> {
    const file = Bun.file(this.#statusFile);
    return (await file.exists()) ? Number((await file.text()).trim()) : null;
  }

  /** Wait for the program to exit; returns its exit status. */
  async waitForExit(options: { timeoutMs?: number } = {}): Promise<number> {
    return this.#poll("the program to exit", options, async () => (await this.exitStatus()) ?? undefined);
  }

  /** Stop the server and remove temp files; safe to call more than once. */
  async kill(): Promise<void> {
    if (this.#killed) return;
    this.#killed = true;
    live.delete(this);
    const proc = Bun.spawn(["tmux", "-S", this.socket, "kill-server"], {
      stdout: "ignore",
      stderr: "ignore",
    });
    await proc.exited;
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** For the exit hook, where nothing asynchronous runs any more. */
  killSync(): void {
    if (this.#killed) return;
    this.#killed = true;
    live.delete(this);
    Bun.spawnSync(["tmux", "-S", this.socket, "kill-server"], { stdout: "ignore", stderr: "ignore" });
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async display(format: string): Promise<string> {
    return (await this.tmux(["display-message", "-p", "-t", TARGET, format])).trim();
  }

  /** Run one tmux command against this session's server; returns its stdout. */
  async tmux(args: string[]): Promise<string> {
    const proc = Bun.spawn(["tmux", "-u", "-S", this.socket, ...args], { stdout: "pipe", stderr: "pipe" });
    // A tmux client never needs long; one that hangs must fail the test, not stall it.
    const timer = setTimeout(() => proc.kill(), COMMAND_TIMEOUT_MS);
    try {
      const { stdout, stderr, code } = await collectOutput(proc);
      if (proc.signalCode !== null)
        throw new TmuxCommandError(args, `no answer within ${COMMAND_TIMEOUT_MS} ms`);
      if (code !== 0) throw new TmuxCommandError(args, stderr);
      return stdout;
    } finally {
      clearTimeout(timer);
    }
  }

  async #poll<T>(
    what: string,
    options: { timeoutMs?: number },
    probe: () => Promise<T | undefined>,
  ): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        const screen = await this.capture({ history: true }).catch((error: unknown) => String(error));
        throw new TmuxTimeoutError(what, screen);
      }
      await Bun.sleep(POLL_MS);
    }
  }
}
