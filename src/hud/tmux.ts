import type { Subprocess } from "bun";

/**
 * One long-lived tmux control-mode client (`tmux -C attach`): commands are written to its stdin,
 * so talking to tmux costs no process per command. The client attaches with `no-output` (pane
 * output is not streamed to us) and `ignore-size` (it never shrinks anyone's windows).
 */

/** tmux could not be started, refused a command, or went away. */
export class TmuxControlError extends Error {
  override readonly name = "TmuxControlError";
}

/** Which tmux server and pane a process runs in, from `$TMUX` and `$TMUX_PANE`. */
export interface TmuxLocation {
  /** The server's socket path. */
  socket: string;
  /** What to attach to: the pane (`%3`) when known, else the session id (`$0`). */
  target: string;
}

export function tmuxLocationFromEnv(env: Record<string, string | undefined>): TmuxLocation | undefined {
  // $TMUX is "socket,server-pid,session-id"; the socket path itself may contain commas.
  const match = /^(.+),(\d+),(\d+)$/.exec(env.TMUX ?? "");
  if (!match?.[1] || match[3] === undefined) return undefined;
  const pane = env.TMUX_PANE;
  return { socket: match[1], target: pane && /^%\d+$/.test(pane) ? pane : `$${match[3]}` };
}

/**
 * A tmux double-quoted string: nothing in `text` is expanded by tmux's command parser
 * (`$VAR`, a leading `~`, `;` and `{}` all stay literal). Control characters become spaces.
 */
export function quoteTmuxArgument(text: string): string {
  const body = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
    .replace(/[\u0000-\u001f\u007f]/g, " ")
    .replace(/[\\"$~]/g, (c) => `\\${c}`);
  return `"${body}"`;
}

export interface TmuxReply {
  /** Lines the commands printed. */
  output: string[];
}

interface Pending {
  marker: string;
  output: string[];
  errors: string[];
  resolve(reply: TmuxReply): void;
  reject(error: Error): void;
}

export interface TmuxControlOptions {
  location: TmuxLocation;
  /** Default `tmux` on PATH. */
  tmux?: string;
  env?: Record<string, string | undefined>;
}

export class TmuxControlClient {
  readonly #proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly #pending: Pending[] = [];
  #current: { output: string[]; error: boolean } | undefined;
  #sequence = 0;
  #closed: TmuxControlError | undefined;
  readonly exited: Promise<void>;

  private constructor(proc: Subprocess<"pipe", "pipe", "pipe">) {
    this.#proc = proc;
    const stderr = new Response(proc.stderr).text();
    void this.#readLines();
    this.exited = proc.exited.then(async (code) => {
      const said = (await stderr).trim().split("\n")[0];
      this.#close(
        new TmuxControlError(`tmux control client exited (code ${code})${said ? `: ${said}` : ""}`),
      );
    });
  }

  /** Starts the control client; fails on the first command if tmux cannot attach. */
  static connect(options: TmuxControlOptions): TmuxControlClient {
    const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
    // A client started inside tmux refuses to attach while $TMUX names a server ("nested").
    delete env.TMUX;
    delete env.TMUX_PANE;
    // -u: the HUD's text is UTF-8 whatever the locale (tmux in a C locale would turn it into "_").
    const argv = [
      options.tmux ?? "tmux",
      "-u",
      "-S",
      options.location.socket,
      "-C",
      "attach-session",
      "-f",
      "no-output,ignore-size",
      "-t",
      options.location.target,
    ];
    let proc: Subprocess<"pipe", "pipe", "pipe">;
    try {
      proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "pipe", env });
    } catch (error) {
      throw new TmuxControlError(
        `cannot start ${argv[0]}: ${error instanceof Error ? error.message : error}`,
      );
    }
    // The REPL must be able to exit while tmux is still attached; closing stdin ends the client.
    proc.unref();
    return new TmuxControlClient(proc);
  }

  /** The control client's process id (one per connection, whatever the number of commands). */
  get pid(): number {
    return this.#proc.pid;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Runs one tmux command line; resolves with what it printed, rejects with tmux's error. A marker
   * command after it tells where its output ends, however many command blocks tmux reports.
   */
  run(commandLine: string): Promise<TmuxReply> {
    if (this.#closed) return Promise.reject(this.#closed);
    const marker = `ember-ctl-done ${++this.#sequence}`;
    return new Promise<TmuxReply>((resolve, reject) => {
      this.#pending.push({ marker, output: [], errors: [], resolve, reject });
      try {
        this.#proc.stdin.write(`${commandLine.replaceAll("\n", " ")}\ndisplay-message -p "${marker}"\n`);
        this.#proc.stdin.flush();
      } catch (error) {
        this.#close(
          new TmuxControlError(`cannot write to tmux: ${error instanceof Error ? error.message : error}`),
        );
      }
    });
  }

  /** Detaches (end of input) and waits for the client to exit. */
  async close(): Promise<void> {
    if (!this.#closed) {
      try {
        this.#proc.stdin.end();
      } catch {
        // Already gone: the exit below settles it.
      }
    }
    const timer = setTimeout(() => this.#proc.kill(), 2000);
    await this.exited;
    clearTimeout(timer);
  }

  async #readLines(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of this.#proc.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        this.#line(buffered.slice(0, newline).replace(/\r$/, ""));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    }
  }

  #line(line: string): void {
    if (this.#current) {
      if (/^%(end|error) \d+ \d+ \d+$/.test(line)) {
        this.#finishBlock(this.#current, line.startsWith("%error"));
        this.#current = undefined;
      } else this.#current.output.push(line);
      return;
    }
    if (/^%begin \d+ \d+ \d+$/.test(line)) this.#current = { output: [], error: false };
    // Other lines are notifications (%session-changed, %exit, …): nothing the HUD needs.
  }

  #finishBlock(block: { output: string[] }, failed: boolean): void {
    const head = this.#pending[0];
    if (!head) return;
    if (!failed && block.output.length === 1 && block.output[0] === head.marker) {
      this.#pending.shift();
      if (head.errors.length > 0) head.reject(new TmuxControlError(`tmux: ${head.errors.join("; ")}`));
      else head.resolve({ output: head.output });
      return;
    }
    (failed ? head.errors : head.output).push(...block.output);
  }

  #close(error: TmuxControlError): void {
    if (!this.#closed) this.#closed = error;
    for (const pending of this.#pending.splice(0)) pending.reject(this.#closed);
  }
}
