import type { CommandOutput } from "../commands/types.ts";
import type { Style } from "../terminal/style.ts";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

export interface Spinner {
  /** Changes the label; on a non-terminal each new label is printed once. */
  update(label: string): void;
  /** Erases the spinner line (terminal) so the next output starts clean. */
  stop(): void;
}

/**
 * A one-line activity indicator. On a terminal it redraws in place; piped, it prints each label
 * once as a plain line, so logs show what Ember waited for without escape codes.
 */
export function startSpinner(out: CommandOutput, style: Style, label: string, animated: boolean): Spinner {
  let current = label;
  let frame = 0;
  let stopped = false;
  if (!animated) {
    out.line(style.dim(`${label}…`));
    return {
      update(next) {
        if (stopped || next === current) return;
        current = next;
        out.line(style.dim(`${next}…`));
      },
      stop() {
        stopped = true;
      },
    };
  }
  const draw = () =>
    out.write(`\r\x1b[K${style.cyan(FRAMES[frame++ % FRAMES.length]!)} ${style.dim(current)}`);
  draw();
  const timer = setInterval(draw, FRAME_MS);
  return {
    update(next) {
      current = next;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      out.write("\r\x1b[K");
    },
  };
}
