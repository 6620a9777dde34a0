import type { TurnWaitEvents } from "../engine/api.ts";
import { createStreamSanitizer, sanitizeLine } from "./sanitize.ts";

/**
 * A turn's events with every text the model or a command produced made safe for a terminal: the
 * planned command line, the command's output and the answer, each as it streams (an escape
 * sequence split across chunks is as harmless as a whole one). What the REPL and `ember ask`
 * print is then never obeyed by the terminal.
 */
export function sanitizeTurnEvents(events: TurnWaitEvents): TurnWaitEvents {
  let output = createStreamSanitizer();
  const answer = createStreamSanitizer();
  const safe: TurnWaitEvents = { ...events };
  const { onCommandStart, onCommandOutput, onCommandDone, onAnswerText } = events;
  if (onCommandStart)
    safe.onCommandStart = (line) => {
      output = createStreamSanitizer();
      onCommandStart(sanitizeLine(line));
    };
  if (onCommandOutput) safe.onCommandOutput = (text) => onCommandOutput(output.write(text));
  if (onCommandDone)
    safe.onCommandDone = (record) => {
      const rest = output.end();
      if (rest && onCommandOutput) onCommandOutput(rest);
      onCommandDone(record);
    };
  if (onAnswerText) safe.onAnswerText = (text) => onAnswerText(answer.write(text));
  return safe;
}
