import { sanitizeLine } from "../terminal/sanitize.ts";
import { formatTwoColumns } from "../terminal/table.ts";
import { wrapWords } from "../text/wrap.ts";
import type { SlashCommand } from "./types.ts";

export const helpCommand: SlashCommand = {
  name: "help",
  aliases: ["?"],
  summary: "list the slash commands",
  usage: "/help [COMMAND]",
  plannerAllowed: true,
  requiresReady: false,
  complete: (args, _partial, host) => (args.length === 0 ? host.commands.list().map((c) => c.name) : []),
  run(args, { host, out, style }) {
    const wanted = args[0]?.replace(/^\//, "");
    const command = wanted ? host.commands.get(wanted) : undefined;
    if (wanted && !command) {
      out.line(`no command /${sanitizeLine(wanted)} — /help lists them`);
      return;
    }
    const shown = command ? [command] : host.commands.list();
    const title = style.bold("Slash commands") + style.dim("  (plain language goes to the model)");
    for (const line of out.columns ? wrapWords(title, out.columns) : [title]) out.line(line);
    const rows = shown.map(
      (c) =>
        [style.cyan(c.usage), c.summary + (c.plannerAllowed ? "" : style.dim(" [operator only]"))] as const,
    );
    for (const line of formatTwoColumns(rows, out.columns, "  ")) out.line(line);
    const keys =
      "TAB completes · Ctrl-R searches history · Ctrl-L clears · Ctrl-C cancels · /man CMD for details · quit to leave";
    for (const line of out.columns ? wrapWords(keys, out.columns) : [keys]) out.line(style.dim(line));
  },
};
