import { QuitRequest, type SlashCommand } from "./types.ts";

export const quitCommand: SlashCommand = {
  name: "quit",
  aliases: ["exit"],
  summary: "leave Ember",
  usage: "/quit",
  plannerAllowed: false,
  requiresReady: false,
  run() {
    throw new QuitRequest();
  },
};
