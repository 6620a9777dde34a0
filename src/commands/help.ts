import { formatTable } from "../terminal/table.ts";
import type { SlashCommand } from "./types.ts";

export const helpCommand: SlashCommand = {
  name: "help",
  aliases: ["?"],
  summary: "list the slash commands",
  usage: "/help [COMMAND]",
  plannerAllowed: true,
  requiresReady: false,
  complete: (args, _partial, app) => (args.length === 0 ? app.commands.list().map((c) => c.name) : []),
  run(args, { app, out, style }) {
    const wanted = args[0]?.replace(/^\//, "");
    const command = wanted ? app.commands.get(wanted) : undefined;
    if (wanted && !command) {
      out.line(`no command /${wanted} — /help lists them`);
      return;
    }
    const shown = command ? [command] : app.commands.list();
    out.line(style.bold("Slash commands") + style.dim("  (plain language goes to the model)"));
    const rows = shown.map((c) => [
      style.cyan(c.usage),
      c.summary + (c.plannerAllowed ? "" : style.dim(" [operator only]")),
    ]);
    for (const line of formatTable(rows, "  ")) out.line(line);
    out.line(
      style.dim("TAB completes · Ctrl-L clears · Ctrl-C cancels · /man CMD for details · quit to leave"),
    );
  },
};
