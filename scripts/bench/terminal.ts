/**
 * Runs a program on a pseudo-terminal (Bun's PTY support), so it behaves as under an operator's
 * terminal: the REPL prints its banner and prompt only there. Times are taken in the output
 * callback, the moment the text arrives.
 */
import { readFileSync } from "node:fs";

export interface TerminalOptions {
  env: Record<string, string>;
  cwd: string;
}

export interface Seen {
  /** Milliseconds from spawn to the output that completed the match. */
  ms: number;
  /** The matched text, escape codes removed. */
  match: string;
  /** Where the match ends in `text`. */
  end: number;
}

interface Waiter {
  pattern: RegExp;
  from: number;
  resolve(seen: Seen): void;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class TerminalProcess {
  readonly proc: Bun.Subprocess;
  readonly started: number;
  #raw = "";
  #text = "";
  #waiters = new Set<Waiter>();
  readonly #decoder = new TextDecoder();

  constructor(command: string[], options: TerminalOptions) {
    this.started = performance.now();
    this.proc = Bun.spawn(command, {
      env: options.env,
      cwd: options.cwd,
      terminal: { cols: 100, rows: 30, data: (_terminal, data) => this.#receive(data) },
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Everything the program wrote so far, escape codes removed. */
  get text(): string {
    return this.#text;
  }

  write(data: string): void {
    this.proc.terminal!.write(data);
  }

  /** Resolves when `pattern` appears in the output at or after `from` (a `text` index). */
  waitFor(pattern: RegExp, options: { from?: number; timeoutMs?: number } = {}): Promise<Seen> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { promise, resolve, reject } = Promise.withResolvers<Seen>();
    const waiter: Waiter = { pattern, from, resolve };
    const timer = setTimeout(() => {
      this.#waiters.delete(waiter);
      const tail = this.#text.slice(-200).replace(/\s+/g, " ").trim();
      reject(new Error(`no ${pattern} after ${timeoutMs / 1000} s; last output: ${tail || "(none)"}`));
    }, timeoutMs);
    waiter.resolve = (seen) => {
      clearTimeout(timer);
      resolve(seen);
    };
    this.#waiters.add(waiter);
    this.#check(waiter);
    return promise;
  }

  /** Ends the program: `quitText` typed first if given, then SIGKILL if it is still there after `graceMs`. */
  async stop(quitText?: string, graceMs = 5000): Promise<void> {
    if (quitText !== undefined && this.proc.exitCode === null) this.write(quitText);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), quitText === undefined ? 0 : graceMs);
    await this.proc.exited;
    clearTimeout(timer);
    this.proc.terminal!.close();
  }

  #receive(data: Uint8Array): void {
    this.#raw += this.#decoder.decode(data, { stream: true });
    this.#text = Bun.stripANSI(this.#raw);
    for (const waiter of this.#waiters) this.#check(waiter);
  }

  #check(waiter: Waiter): void {
    const found = new RegExp(waiter.pattern.source, waiter.pattern.flags.replace("g", "")).exec(
      this.#text.slice(waiter.from),
    );
    if (!found) return;
    this.#waiters.delete(waiter);
    waiter.resolve({
      ms: performance.now() - this.started,
      match: found[0],
      end: waiter.from + found.index + found[0].length,
    });
  }
}

/** Milliseconds from spawn to exit of `command` on a pseudo-terminal; a nonzero exit is an error. */
export async function timeToExit(command: string[], options: TerminalOptions): Promise<number> {
  const run = new TerminalProcess(command, options);
  const code = await run.proc.exited;
  const ms = performance.now() - run.started;
  run.proc.terminal!.close();
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}`);
  return ms;
}

export interface ProcessMemory {
  /** VmHWM: the most resident memory the process has had so far. */
  peakBytes: number;
  /** VmRSS: resident now, of which: */
  rssBytes: number;
  /** RssAnon: memory only RAM (or swap) can hold: heaps, llama.cpp's buffers. */
  anonBytes: number;
  /** RssFile: mapped file pages (the binary, a mapped model): the kernel may drop and reread them. */
  fileBytes: number;
}

/** A live process's memory from /proc/<pid>/status (Linux). */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => {
    const value = new RegExp(`^${key}:\\s*(\\d+) kB`, "m").exec(status)?.[1];
    if (value === undefined) throw new Error(`/proc/${pid}/status has no ${key}`);
    return Number(value) * 1024;
  };
  return {
    peakBytes: kib("VmHWM"),
    rssBytes: kib("VmRSS"),
    anonBytes: kib("RssAnon"),
    fileBytes: kib("RssFile"),
  };
}
