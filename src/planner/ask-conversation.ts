import { join } from "node:path";
import type { App } from "../app.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import type { Conversation } from "../llm/conversation.ts";
import { CONVERSATIONS_DIR, type StateFiles } from "../llm/state-files.ts";
import { loadConfiguredPrompts } from "./prompts.ts";
import { staticSystemText } from "./static-prefix.ts";

/**
 * `ember ask` conversations: each ask is a one-turn conversation whose context state is saved in
 * the vault's `state/conversations/`; `ember ask --continue` carries on the last one, loading its
 * state back when the model and static prefix are the same, so a follow-up evaluates only its own
 * new tokens.
 */

const LAST_ASK = join(CONVERSATIONS_DIR, "last-ask");
const SESSION_ID = /^[A-Za-z0-9-]{1,80}$/;

/** The session id of the vault's last ask conversation, if there is one. */
export function lastAskSession(vaultDir: string): string | undefined {
  try {
    const id = readFileInside(join(vaultDir, LAST_ASK), { root: vaultDir, maxBytes: 256 })
      .toString("utf8")
      .trim();
    return SESSION_ID.test(id) ? id : undefined;
  } catch (error) {
    if (error instanceof UnsafeFileError) return undefined;
    throw error;
  }
}

/** Loads the saved state of ask conversation `session`; the reason it cannot, otherwise. */
export async function restoreAskConversation(
  app: App,
  conversation: Conversation,
  states: StateFiles,
  session: string,
): Promise<string | undefined> {
  const prompts = loadConfiguredPrompts(app);
  const system = staticSystemText(app, prompts, (text) => conversation.countTokens(text));
  if (await conversation.restore(states, session, system)) return undefined;
  if (states.problem) return `${states.problem}; this one starts afresh`;
  return "the last ask conversation was saved with another model, context size or static prefix (commands, core documents, prompt); this one starts afresh";
}

/** Saves the conversation's state and makes it the one `--continue` picks up. Logs, never throws. */
export async function saveAskConversation(
  app: App,
  conversation: Conversation,
  states: StateFiles,
  session: string,
): Promise<void> {
  try {
    const file = await conversation.save(states, session);
    writeFileAtomic(join(app.settings.vaultDir, LAST_ASK), `${session}\n`);
    app.logger.log.info("conversation saved", { file, tokens: conversation.tokens.length });
  } catch (error) {
    app.logger.log.warn("conversation not saved", { error: (error as Error).message });
  }
}
