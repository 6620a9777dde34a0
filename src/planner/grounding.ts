import type { EmberLogger } from "../log/logger.ts";
import { openVaultIndex } from "../vault/index.ts";
import {
  type CountTokens,
  readCoreDocuments,
  retrieveGrounding,
  selectGrounding,
} from "../vault/retrieve.ts";

export interface TurnGrounding {
  /** Core documents then the best excerpts for the question: the `{documentation}` value. */
  text: string;
  /** The core documents alone: the part of `text` that is the same on every turn. */
  staticText: string;
  excerpts: number;
}

/**
 * The vault's grounding for one question within `budgetTokens`. An index that cannot be opened
 * leaves the core documents alone (and a warning in the log): a question is never refused for it.
 */
export function groundQuestion(
  vaultDir: string,
  question: string,
  budgetTokens: number,
  countTokens: CountTokens,
  logger: EmberLogger,
): TurnGrounding {
  const options = { budgetTokens, countTokens };
  const staticText = selectGrounding([], readCoreDocuments(vaultDir), options).text;
  try {
    const index = openVaultIndex(vaultDir);
    try {
      const grounding = retrieveGrounding(index, question, options);
      return { text: grounding.text, staticText, excerpts: grounding.excerpts.length };
    } finally {
      index.close();
    }
  } catch (error) {
    logger.log.warn("grounding without the index", { error: (error as Error).message });
    return { text: staticText, staticText, excerpts: 0 };
  }
}
