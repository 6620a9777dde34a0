/**
 * Ctrl-C while a job runs aborts that job, not the program.
 *
 * On a terminal the line discipline would turn Ctrl-C into SIGINT only in cooked mode,
 * and the keys typed during a job would echo over its output; so stdin goes to raw mode
 * and the 0x03 byte is watched for directly. Without a terminal (piped input, a service)
 * SIGINT is the only way in, and it is watched in both cases so `kill -INT` works too.
 */

const CTRL_C = 0x03;

/** The abort reason when the operator pressed Ctrl-C; callers match on it to say "interrupted". */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
  constructor() {
    super("interrupted by Ctrl-C");
  }
}

/** The parts of stdin this needs; `process.stdin` fits. */
export interface InterruptInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  off(event: "data", listener: (chunk: Uint8Array | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface InterruptSignals {
  on(event: "SIGINT", listener: () => void): unknown;
  off(event: "SIGINT", listener: () => void): unknown;
}

/**
 * Abort `controller` on Ctrl-C (or SIGINT) until the returned disposer is called. The
 * disposer restores stdin to cooked, paused mode; calling it twice is harmless. Bytes
 * typed while the job runs are dropped: they were typed at no prompt.
 */
export function watchInterrupt(
  controller: AbortController,
  input: InterruptInput = process.stdin,
  signals: InterruptSignals = process,
): () => void {
  const abort = () => {
    if (!controller.signal.aborted) controller.abort(new InterruptedError());
  };
  const onData = (chunk: Uint8Array | string) => {
    const hasCtrlC = typeof chunk === "string" ? chunk.includes("\x03") : chunk.includes(CTRL_C);
    if (hasCtrlC) abort();
  };

  signals.on("SIGINT", abort);
  const raw = input.isTTY === true && typeof input.setRawMode === "function";
  if (raw) {
    input.setRawMode?.(true);
    input.on("data", onData);
    input.resume();
  }
  const restoreOnExit = () => {
    if (raw) input.setRawMode?.(false);
  };
  process.once("exit", restoreOnExit);

  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    signals.off("SIGINT", abort);
    process.off("exit", restoreOnExit);
    if (raw) {
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
    }
  };
}
