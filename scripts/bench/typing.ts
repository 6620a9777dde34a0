import type { TerminalProcess } from "./terminal.ts";

/**
 * An operator typing on a pseudo-terminal: one character at a time at a steady rate, each one's
 * keypress-to-echo time measured (from writing the key to the terminal until the program's output
 * shows it), as the operator would feel it.
 */

/** How long one echo may take before the typist gives up: a REPL that stopped echoing is broken. */
const ECHO_TIMEOUT_MS = 10_000;

/** Types `text` (no Enter) at `charsPerSecond`; returns each character's keypress-to-echo in ms. */
export async function typeText(
  term: TerminalProcess,
  text: string,
  charsPerSecond: number,
): Promise<number[]> {
  const interval = 1000 / charsPerSecond;
  const echoes: number[] = [];
  let due = performance.now();
  for (const char of text) {
    const from = term.text.length;
    const sent = performance.now();
    term.write(char);
    const seen = await term.waitFor(new RegExp(escapeRegExp(char)), { from, timeoutMs: ECHO_TIMEOUT_MS });
    echoes.push(seen.ms - (sent - term.started));
    due += interval;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
  }
  return echoes;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
