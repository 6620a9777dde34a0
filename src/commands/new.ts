import type { SlashCommand } from "./types.ts";

/**
 * `/new`: the REPL's next question starts a fresh conversation (and transcript). `start` makes it
 * and says which; the REPL that registers this command owns its conversation.
 */
export function newConversationCommand(start: () => Promise<string>): SlashCommand {
  return {
    name: "new",
    summary: "start a new conversation (earlier questions no longer count; /clear only clears the screen)",
    usage: "/new",
    plannerAllowed: false,
    requiresReady: false,
    async run(_args, { out, style }) {
      const id = await start();
      out.line(style.dim(`new conversation (transcript logs/transcripts/${id}.jsonl)`));
    },
  };
}
