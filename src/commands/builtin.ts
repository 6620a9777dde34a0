import { agentsCommand } from "./agents.ts";
import { clearCommand } from "./clear.ts";
import { configCommand } from "./config.ts";
import { helpCommand } from "./help.ts";
import { historyCommand } from "./history.ts";
import { manCommand } from "./man.ts";
import { modelCommand } from "./model.ts";
import { pluginsCommand } from "./plugins.ts";
import { quitCommand } from "./quit.ts";
import { searchCommand } from "./search.ts";
import { statusCommand } from "./status.ts";
import type { SlashCommand } from "./types.ts";
import { updateCommand } from "./update.ts";

/** The slash commands every Ember has, before plugins add theirs. */
export const BUILTIN_COMMANDS: readonly SlashCommand[] = [
  agentsCommand,
  clearCommand,
  configCommand,
  helpCommand,
  historyCommand,
  manCommand,
  modelCommand,
  pluginsCommand,
  quitCommand,
  searchCommand,
  statusCommand,
  updateCommand,
];
