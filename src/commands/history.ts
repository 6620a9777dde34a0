import type { SlashCommand } from "./types.ts";
import { UsageError } from "./types.ts";

export const historyCommand: SlashCommand = {
  name: "history",
  summary: "show recent input (and past conversation transcripts)",
  usage: "/history [N]",
  plannerAllowed: true,
  requiresReady: false,
  run(args, { app, out, style }) {
    const count = args[0] === undefined ? 20 : Number(args[0]);
    if (!Number.isInteger(count) || count < 1)
      throw new UsageError(`expected a number of lines, got ${(args[0] ?? "").slice(0, 40)}`);
    const lines = app.history.lines.slice(-count);
    if (lines.length === 0) out.line(style.dim("no history yet"));
    const first = app.history.lines.length - lines.length + 1;
    lines.forEach((line, i) => {
      out.line(`${style.dim(String(first + i).padStart(4))}  ${line}`);
    });
    if (app.history.problem) out.line(style.yellow(app.history.problem));
  },
};
