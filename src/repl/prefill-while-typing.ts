/**
 * What the REPL tells the model's side while a line is typed: the plain-language line so far, once
 * typing pauses for PREFILL_DELAY_MS, so its excerpts can be evaluated before Enter; and at once,
 * that there is nothing to prepare when the line is cleared or becomes a slash command.
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
 * Shorter than the gap between two keys of a steady typist (6 chars/s is 167 ms), so the line is
 * retrieved for between keystrokes rather than only at pauses; long enough that a burst (a paste,
 * a fast word) costs one retrieval, not one per key.
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
  return {
    edited(text) {
      clearTimeout(timer);
      timer = undefined;
      const line = text.trim();
      if (line === "" || line.startsWith("/")) {
        void target.dropSpeculative();
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        target.prefill(line);
      }, delayMs);
    },
    entered() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
