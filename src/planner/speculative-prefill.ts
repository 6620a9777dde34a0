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
 * and evaluates only the rest; a newer line stops this one between two slices and keeps what the
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

export class SpeculativePrefill {
  #job: Promise<void> = Promise.resolve();
  #controller: AbortController | undefined;
  #target: SpeculationTarget | undefined;
  #inFlight = 0;

  /** Starts preparing `text` (stopping what ran before between two slices); returns at once. */
  prefill(target: SpeculationTarget, text: string): void {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#target = target;
    this.#job = this.#job
      .then(() => this.#run(target, text, controller.signal))
      .catch((error: Error) => {
        if (!controller.signal.aborted)
          target.app.logger.log.warn("prefill failed", { error: error.message });
      });
  }

  /** Resolves once the prefill in progress has finished (or was stopped). */
  finished(): Promise<void> {
    return this.#job;
  }

  /**
   * Stops between two slices and waits until nothing runs on the model; what was evaluated stays
   * for the turn to keep. Call before anything else uses the model.
   */
  async settle(): Promise<SettledPrefill> {
    const inFlightTokens = this.#inFlight;
    this.#controller?.abort();
    await this.#job;
    const conversation = this.#target?.conversation;
    return { inFlightTokens, heldTokens: conversation ? speculativeTail(conversation) : 0 };
  }

  /** Stops, waits, and erases what was prepared for `owner` (what another owner prepared stays). */
  async drop(owner: string): Promise<void> {
    const target = this.#target;
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

  async #run(target: SpeculationTarget, text: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { app, conversation } = target;
    const { llm } = app.settings.config;
    const prompts = loadConfiguredPrompts(app);
    await target.claimSequence?.();
    if (signal.aborted) return;
    // The first question of a session finds its static prefix evaluated (or loaded) already.
    await startConversation(target, prompts, signal);
    if (signal.aborted) return;
    // The pick too is for complete words only: a word half typed matches nothing it will.
    const words = completeWords(text);
    const { excerpts } = retrieveForTurn(app, conversation, words);
    const whole = conversation.turnTokens(turnMessage(prompts.planner, text, excerpts));
    const sure = conversation.turnTokens(turnMessage(prompts.planner, words, excerpts));
    const message = whole.slice(0, commonPrefixLength(whole, sure));
    // The room the plan step will make for this message, made now as far as older turns'
    // excerpts go (the turn would erase those first anyway); no whole turn goes before Enter, so
    // what does not fit then waits for the turn.
    const commandNames = app.commands.plannerAllowed().map((c) => c.name);
    const room = roomAfterMessage(conversation, commandNames, llm);
    if (conversation.free < message.length + room)
      await conversation.makeRoom(message.length + room, undefined, { wholeTurns: false }).catch((error) => {
        if (!(error instanceof ContextOverflowError)) throw error;
      });
    const tokens = message.slice(0, Math.max(0, conversation.free - room));
    let done = commonPrefixLength(heldAfter(conversation), tokens);
    const reused = done;
    while (done < tokens.length && !signal.aborted) {
      const end = Math.min(tokens.length, done + SPECULATIVE_SLICE_TOKENS);
      this.#inFlight = end - done;
      try {
        await conversation.prefill(
          tokens.slice(0, end),
          signal,
          excerpts.map((e) => e.id),
        );
      } finally {
        this.#inFlight = 0;
      }
      done = end;
    }
    if (done > reused)
      app.logger.log.info("prefill", {
        excerpts: excerpts.length,
        tokens: tokens.length,
        reused,
        evaluated: done - reused,
        ...(signal.aborted ? { stopped: true } : {}),
      });
  }
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
