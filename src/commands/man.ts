import { renderMarkdown } from "../terminal/markdown.ts";
import { MANUALS } from "./manuals.ts";
import { type SlashCommand, UsageError } from "./types.ts";

export const manCommand: SlashCommand = {
  name: "man",
  summary: "show a command's manual page",
  usage: "/man COMMAND",
  plannerAllowed: true,
  requiresReady: false,
  complete: (args, _partial, host) => (args.length === 0 ? host.commands.list().map((c) => c.name) : []),
  run(args, { host, out, style }) {
    const wanted = args[0]?.replace(/^\//, "");
    if (!wanted) throw new UsageError("which command?");
    const command = host.commands.get(wanted);
    if (!command) throw new UsageError(`no command /${wanted}`);
    const page = MANUALS[command.name];
    const lines = page
      ? renderMarkdown(page, style, out.columns)
      : [style.bold(`/${command.name}`), "", command.summary, "", `    ${command.usage}`];
    for (const line of lines) out.line(line);
  },
};
