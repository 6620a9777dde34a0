import { recentTurns } from "../planner/transcripts.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import type { SlashCommand } from "./types.ts";
import { UsageError } from "./types.ts";

/** Questions and answers were typed or generated, not written by Ember: shown, never obeyed. */
const oneLine = (text: string, max: number) => {
  const flat = sanitizeLine(text.replace(/\s+/g, " ").trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export const historyCommand: SlashCommand = {
  name: "history",
  summary: "show recent input, or with `answers` the recent questions and answers",
  usage: "/history [N] | /history answers [N]",
  plannerAllowed: true,
  requiresReady: false,
  complete: (args) => (args.length === 0 ? ["answers"] : []),
  run(args, { host, out, style }) {
    const answers = args[0] === "answers";
    const countText = answers ? args[1] : args[0];
    const count = countText === undefined ? (answers ? 5 : 20) : Number(countText);
    if (!Number.isInteger(count) || count < 1)
      throw new UsageError(`expected a number, got ${(countText ?? "").slice(0, 40)}`);
    if (answers) {
      const { turns, problems } = recentTurns(host.settings.vaultDir, count);
      // File names come from the vault: shown, never obeyed.
      for (const problem of problems) {
        out.line(style.yellow(sanitizeLine(problem)));
        host.logger.log.warn("transcript not read whole", { problem });
      }
      if (turns.length === 0)
        out.line(style.dim("no conversation yet (transcripts are in the vault's logs/transcripts/)"));
      for (const turn of turns) {
        const ran = turn.commands.map((c) => `/${c.name}`).join(" ");
        out.line(
          `${style.dim(turn.time.slice(0, 19).replace("T", " "))}  ${style.bold(oneLine(turn.question, 100))}`,
        );
        if (ran) out.line(style.dim(`  ran ${sanitizeLine(ran)}`));
        out.line(`  ${oneLine(turn.answer, 200)}${turn.stopped ? style.yellow(` [${turn.stopped}]`) : ""}`);
      }
      return;
    }
    const lines = host.history.lines.slice(-count);
    if (lines.length === 0) out.line(style.dim("no history yet"));
    const first = host.history.lines.length - lines.length + 1;
    lines.forEach((line, i) => {
      out.line(`${style.dim(String(first + i).padStart(4))}  ${sanitizeLine(line)}`);
    });
    if (host.history.problem) out.line(style.yellow(host.history.problem));
  },
};
