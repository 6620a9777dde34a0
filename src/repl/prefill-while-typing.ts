/**
 * What the REPL tells the model's side while a line is typed: the plain-language line so far,
 * every PREFILL_DELAY_MS at most, so its excerpts can be evaluated before Enter; and at once, that
 * there is nothing to prepare when the line is cleared or becomes a slash command.
 */

/** The narrow interface speculative prefill sits behind (in-process today, over a socket later). */
export interface SpeculativePrefill {
  /** Prepare for `text` (a plain-language line so far) in the background; returns at once. */
  prefill(text: string): void;
  /**
   * Forget whatever was prepared; resolves once nothing runs on the model any more, so a slash
   * command that follows (a model swap, `/new`) has it to itself. Never rejects.
   */
  dropSpeculative(): Promise<void>;
}

/**
 * How often, at most, the line goes out while it is being typed: the first edit after a quiet
 * spell sends the line as it is this long after, and so on. A steady typist (6 chars/s is one key
 * every 167 ms) is followed key by key, a fast one every few keys; a burst (a paste, a fast word)
 * costs one retrieval, not one per key.
 */
export const PREFILL_DELAY_MS = 120;

export interface TypingWatch {
  /** The line's text after an edit (the editor's `onEdit`). */
  edited(text: string): void;
  /** The line was entered: nothing more is sent for it. */
  entered(): void;
}

export function watchTyping(target: SpeculativePrefill, delayMs = PREFILL_DELAY_MS): TypingWatch {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = "";
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return {
    edited(text) {
      latest = text.trim();
      if (latest === "" || latest.startsWith("/")) {
        stop();
        void target.dropSpeculative();
        return;
      }
      timer ??= setTimeout(() => {
        timer = undefined;
        target.prefill(latest);
      }, delayMs);
    },
    entered: stop,
  };
}
