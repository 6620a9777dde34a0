import type { CommandOutput } from "../commands/types.ts";

/** Command output straight to a stream (the REPL's stdout). */
export function streamOutput(stream: { write(text: string): unknown }): CommandOutput {
  return {
    line: (text = "") => {
      stream.write(`${text}\n`);
    },
    write: (text) => {
      stream.write(text);
    },
  };
}
