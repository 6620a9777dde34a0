import type { Token } from "node-llama-cpp";
import type { App } from "../app.ts";
import { commonPrefixLength } from "../llm/bridge.ts";
import type { Conversation } from "../llm/conversation.ts";
import { ContextOverflowError } from "../llm/errors.ts";
import type { StateFiles } from "../llm/state-files.ts";
import { roomAfterMessage, turnMessage } from "./plan.ts";
import { loadConfiguredPrompts } from "./prompts.ts";
import { retrieveForTurn } from "./retrieve.ts";
import { startConversation } from "./turn.ts";

/**
 * Prefill while the operator types. For the plain-language line so far, the turn's message is
 * laid out as the plan step will lay it out (the excerpts the turn would add, picked as the turn
 * picks them, then the question) and evaluated after the conversation, in the background, in
 * small slices. Only the question's complete words go in, to the pick as to the message: the
 * word being typed would change.
 *
 * Nothing is added to the conversation: the tokens sit in the sequence after it. The turn that
 * follows keeps whatever of them matches what it really adds (the bridge's common-prefix rule)
 * and evaluates only the rest; a newer line takes over from the next slice on and keeps what the
 * two share. `drop` erases them.
 */

/**
 * Tokens per slice. A turn that begins waits for the slice in flight, so it is small: tens of
 * milliseconds of llama.cpp on a Pi-sized model, not the second a turn's own slices take.
 */
export const SPECULATIVE_SLICE_TOKENS = 32;

export interface SpeculationTarget {
  app: App;
  /** Whose conversation: a newer line from another owner takes over, a drop from another is ignored. */
  owner: string;
  conversation: Conversation;
  /** Where the static prefix is saved between processes, as the turn has it. */
  prefixCache?: StateFiles;
  /** Makes the model's sequence this conversation's (another one's saved aside), as its turn would. */
  claimSequence?: () => Promise<void>;
}

export interface SettledPrefill {
  /** Tokens of the slice that was still being evaluated when the stop came. */
  inFlightTokens: number;
  /** Speculative tokens the sequence holds after the conversation, for the turn to keep or erase. */
  heldTokens: number;
}

/** What one line needs after the conversation, worked out once per line. */
interface LineTokens {
  text: string;
  tokens: Token[];
  excerptIds: string[];
}

export class SpeculativePrefill {
  /** The newest line asked for; the loop always works toward it. */
  #wanted: { target: SpeculationTarget; text: string } | undefined;
  #running = false;
  #job: Promise<void> = Promise.resolve();
  #controller: AbortController | undefined;
  #target: SpeculationTarget | undefined;
  #inFlight = 0;

  /**
   * Prepares `text` from now on; returns at once. A newer line does not stop the work: the next
   * slice simply goes toward it, keeping what the two share. (Stopping at each key, as a typist
   * at 6 keys a second does, left a slow model no time to evaluate anything.)
   */
  prefill(target: SpeculationTarget, text: string): void {
    this.#wanted = { target, text };
    if (this.#running) return;
    this.#running = true;
    const controller = new AbortController();
    this.#controller = controller;
    this.#job = this.#loop(controller.signal).catch((error: Error) => {
      this.#running = false;
      if (!controller.signal.aborted) target.app.logger.log.warn("prefill failed", { error: error.message });
    });
  }

  /** Resolves once the prefill has caught up with the newest line (or was stopped). */
  finished(): Promise<void> {
    return this.#job;
  }

  /**
   * Stops between two slices and waits until nothing runs on the model; what was evaluated stays
   * for the turn to keep. Call before anything else uses the model.
   */
  async settle(): Promise<SettledPrefill> {
    const inFlightTokens = this.#inFlight;
    this.#wanted = undefined;
    this.#controller?.abort();
    await this.#job;
    const conversation = this.#target?.conversation;
    return { inFlightTokens, heldTokens: conversation ? speculativeTail(conversation) : 0 };
  }

  /** Stops, waits, and erases what was prepared for `owner` (what another owner prepared stays). */
  async drop(owner: string): Promise<void> {
    const target = this.#wanted?.target ?? this.#target;
    if (target?.owner !== owner) return;
    await this.settle();
    this.#target = undefined;
    const { conversation } = target;
    const tail = speculativeTail(conversation);
    if (tail === 0) return;
    const start = conversation.tokens.length;
    await conversation.bridge.sequence.eraseContextTokenRanges([{ start, end: start + tail }]);
    target.app.logger.log.info("prefill dropped", { tokens: tail });
  }

  /** One slice at a time toward the newest line, until it is all evaluated or a stop comes. */
  async #loop(signal: AbortSignal): Promise<void> {
    let ready: SpeculationTarget | undefined;
    let line: LineTokens | undefined;
    let evaluated = 0;
    for (;;) {
      const wanted = this.#wanted;
      if (!wanted || signal.aborted) {
        // Decided and cleared in one step: a line asked for from here on starts a new loop.
        this.#running = false;
        if (evaluated > 0)
          (ready ?? wanted?.target)?.app.logger.log.info("prefill", {
            excerpts: line?.excerptIds.length ?? 0,
            tokens: line?.tokens.length ?? 0,
            evaluated,
            ...(signal.aborted ? { stopped: true } : {}),
          });
        return;
      }
      const { target, text } = wanted;
      if (ready?.owner !== target.owner || ready.conversation !== target.conversation) {
        this.#target = target;
        await target.claimSequence?.();
        if (signal.aborted) continue;
        // The first question of a session finds its static prefix evaluated (or loaded) already.
        await startConversation(target, loadConfiguredPrompts(target.app), signal);
        ready = target;
        line = undefined;
        continue;
      }
      if (line?.text !== text) line = await lineTokens(target, text);
      const { conversation } = target;
      const done = commonPrefixLength(heldAfter(conversation), line.tokens);
      if (done >= line.tokens.length) {
        // Caught up: idle until a newer line comes.
        if (this.#wanted === wanted) this.#wanted = undefined;
        continue;
      }
      const end = Math.min(line.tokens.length, done + SPECULATIVE_SLICE_TOKENS);
      this.#inFlight = end - done;
      try {
        await conversation.prefill(line.tokens.slice(0, end), signal, line.excerptIds);
      } finally {
        this.#inFlight = 0;
      }
      evaluated += end - done;
    }
  }
}

/**
 * The tokens `text` adds after the conversation as the plan step will lay them out, up to its
 * last complete word, cut to what fits before the room the turn needs. The room is made now, as
 * the turn would make it at Enter (older turns' excerpts, then older whole turns): late in a long
 * session the context is full, and waiting for Enter left the prefill nothing to work in. A line
 * never sent has cost the oldest turn, which the next question would have taken anyway.
 */
async function lineTokens(target: SpeculationTarget, text: string): Promise<LineTokens> {
  const { app, conversation } = target;
  const prompts = loadConfiguredPrompts(app);
  // The pick too is for complete words only: a word half typed matches nothing it will.
  const words = completeWords(text);
  const { excerpts } = retrieveForTurn(app, conversation, words);
  const whole = conversation.turnTokens(turnMessage(prompts.planner, text, excerpts));
  const sure = conversation.turnTokens(turnMessage(prompts.planner, words, excerpts));
  const message = whole.slice(0, commonPrefixLength(whole, sure));
  const commandNames = app.commands.plannerAllowed().map((c) => c.name);
  const room = roomAfterMessage(conversation, commandNames, app.settings.config.llm);
  if (conversation.free < message.length + room)
    await conversation.makeRoom(message.length + room).catch((error) => {
      if (!(error instanceof ContextOverflowError)) throw error;
    });
  return {
    text,
    tokens: message.slice(0, Math.max(0, conversation.free - room)),
    excerptIds: excerpts.map((e) => e.id),
  };
}

/**
 * The line up to its last complete word: one followed by a space, or ending the line with a
 * question mark or other closing punctuation (what the operator types just before Enter).
 */
export function completeWords(text: string): string {
  if (/[?.!:;,)"']$/.test(text)) return text;
  return text.slice(0, Math.max(0, text.search(/\s\S*$/)));
}

/** The sequence's tokens after the conversation's, when it holds the conversation at all. */
function heldAfter(conversation: Conversation): readonly Token[] {
  const held = conversation.bridge.contextTokens;
  const own = conversation.tokens;
  return commonPrefixLength(held, own) === own.length ? held.slice(own.length) : [];
}

function speculativeTail(conversation: Conversation): number {
  return heldAfter(conversation).length;
}
