import type { App } from "../app.ts";
import { readCoreDocuments, renderCoreDocuments } from "../vault/core-documents.ts";
import type { CountTokens } from "../vault/tokens.ts";
import { describeCommands } from "./command-list.ts";
import { fillTemplate, type Prompts } from "./prompts.ts";

/**
 * The system text every conversation starts with: the planner template's part above `---`, with
 * today's planner-allowed commands and the vault's core documents. It changes only when they do.
 */
export function staticSystemText(app: App, prompts: Prompts, countTokens: CountTokens): string {
  return fillTemplate(prompts.planner.system, {
    commands: describeCommands(app.commands.plannerAllowed()),
    documentation: renderCoreDocuments(
      readCoreDocuments(app.settings.vaultDir),
      app.settings.config.grounding.coreTokens,
      countTokens,
    ).text,
  });
}
