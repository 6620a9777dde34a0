import { renderBanner } from "../repl/banner.ts";
import type { SlashCommand } from "./types.ts";

export const CLEAR_SCREEN = "\x1b[H\x1b[2J\x1b[3J";

export const clearCommand: SlashCommand = {
  name: "clear",
  aliases: ["cls"],
  summary: "clear the screen (same as Ctrl-L)",
  usage: "/clear",
  plannerAllowed: false,
  requiresReady: false,
  run(_args, { host, out, style }) {
    // Piped output has no screen: clearing would only put escape codes into a file.
    if (style.enabled) out.write(CLEAR_SCREEN + renderBanner(host, style, true));
  },
};
