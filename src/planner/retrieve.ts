import type { App } from "../app.ts";
import type { Conversation, ConversationExcerpt } from "../llm/conversation.ts";
import { type Excerpt, type GroundingRecord, groundingRecords, renderExcerpt } from "../vault/excerpt.ts";
import { groundQuestion } from "./grounding.ts";

/**
 * The retrieve step of a turn: the excerpts relevant to the question that the conversation does
 * not hold yet, as the turn's message adds them. The turn and the prefill while the operator types
 * both pick through here, so what was prefilled is what the turn adds.
 *
 * The message lists them in reading order (file, page or chapter, line), not by score: as a
 * question is typed, each word reshuffles the scores of much the same excerpts, and in score
 * order every reshuffle would make the prefilled tokens useless from the first excerpt that moved.
 * In reading order only an excerpt that comes or goes does. Excerpts a prefill has laid out
 * already come first, in its order, so one that a later word adds goes after them instead of
 * in between, and keep their windows while those hold the best line (a later word moves the
 * best line within a page, and with it the window). The records keep the score order.
 */
export function retrieveForTurn(
  app: App,
  conversation: Conversation,
  question: string,
): { excerpts: ConversationExcerpt[]; grounding: GroundingRecord[] } {
  const grounding = groundQuestion(
    app.settings.vaultDir,
    question,
    app.settings.config.grounding,
    (text) => conversation.countTokens(text),
    app.logger,
    conversation.excerptIds,
    new Set(conversation.prefilledExcerpts),
  );
  const prefilled = conversation.prefilledExcerpts;
  const rank = (e: Excerpt) => {
    const at = prefilled.indexOf(e.id);
    return at < 0 ? prefilled.length : at;
  };
  return {
    excerpts: [...grounding.excerpts.added]
      .sort((a, b) => rank(a) - rank(b) || inReadingOrder(a, b))
      .map((e) => ({ id: e.id, text: renderExcerpt(e) })),
    grounding: groundingRecords(grounding.excerpts),
  };
}

function inReadingOrder(a: Excerpt, b: Excerpt): number {
  const part = (e: Excerpt) => e.location.page ?? e.location.chapter ?? 0;
  return (
    a.location.file.localeCompare(b.location.file) ||
    part(a) - part(b) ||
    a.location.lines[0] - b.location.lines[0]
  );
}
