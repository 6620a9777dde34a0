import type { Config } from "../config/schema.ts";
import type { EmberLogger } from "../log/logger.ts";
import { readCoreDocuments, renderCoreDocuments } from "../vault/core-documents.ts";
import { renderExcerpts } from "../vault/excerpt.ts";
import { openVaultIndex } from "../vault/index.ts";
import { type ExcerptPick, pickExcerpts } from "../vault/retrieve.ts";
import type { CountTokens } from "../vault/tokens.ts";

export interface TurnGrounding {
  /** Core documents then the question's new excerpts: the `{documentation}` value. */
  text: string;
  /** The core documents alone: the part of `text` that is the same on every turn. */
  staticText: string;
  /** The excerpts `text` adds (`added`), and the relevant ones already held (`held`). */
  excerpts: ExcerptPick;
}

/**
 * The vault's grounding for one question. `held` names what the conversation already holds, so
 * it is not added again (`keep`: windows prefilled but not held yet, see PickOptions); the core documents always count as held. An index that cannot be opened
 * leaves the core documents alone (and a warning in the log): a question is never refused for it.
 */
export function groundQuestion(
  vaultDir: string,
  question: string,
  settings: Config["grounding"],
  countTokens: CountTokens,
  logger: EmberLogger,
  held: ReadonlySet<string> = new Set(),
  keep: ReadonlySet<string> = new Set(),
): TurnGrounding {
  const core = renderCoreDocuments(readCoreDocuments(vaultDir), settings.coreTokens, countTokens);
  const exclude = new Set([...held, ...core.ids]);
  try {
    const index = openVaultIndex(vaultDir);
    try {
      const excerpts = pickExcerpts(index, question, { ...settings, exclude, keep, countTokens });
      const text = [core.text, renderExcerpts(excerpts.added)].filter((t) => t !== "").join("\n\n");
      return { text, staticText: core.text, excerpts };
    } finally {
      index.close();
    }
  } catch (error) {
    logger.log.warn("grounding without the index", { error: (error as Error).message });
    return { text: core.text, staticText: core.text, excerpts: { added: [], held: [] } };
  }
}
