import type { CommandOutput } from "../commands/types.ts";

/** Command output straight to a stream (the REPL's stdout); a terminal's width is read per use. */
export function streamOutput(stream: {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}): CommandOutput {
  return {
    line: (text = "") => {
      stream.write(`${text}\n`);
    },
    write: (text) => {
      stream.write(text);
    },
    get columns() {
      return stream.isTTY && stream.columns ? stream.columns : undefined;
    },
  };
}
