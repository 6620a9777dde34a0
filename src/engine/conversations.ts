import type { LlamaBridge } from "../llm/bridge.ts";
import { Conversation } from "../llm/conversation.ts";
import { lastAskSession } from "../planner/ask-conversation.ts";
import { Transcript } from "../planner/transcript.ts";
import type { ConversationSummary, NewConversationOptions } from "./protocol.ts";

/**
 * One client's conversation inside the engine: its context (a `Conversation` on the loaded model)
 * and its transcript. Nothing from another conversation ever comes in.
 */
export interface EngineConversation {
  readonly id: string;
  readonly transcript: Transcript;
  readonly createdAt: string;
  /** An `ember ask` conversation: its state is saved after each turn for `--continue`. */
  readonly ask: boolean;
  /** The ask session whose saved state the first turn loads (`ember ask --continue`). */
  restoreFrom?: string;
  /** Whether it carries on an earlier ask conversation; known after its first turn. */
  continued?: boolean;
  /** What its first turn tells the operator about how it started (`--continue` found nothing). */
  notice?: string;
  turns: number;
  lastQuestion?: string;
  /** The context on the model it last ran on (a new model starts a new one). */
  context?: Conversation;
  /** Its context was saved aside while another conversation had the model's sequence. */
  swappedOut?: boolean;
  /** Turns of it asked and not yet answered (queued or running): it is not dropped meanwhile. */
  turnsInFlight: number;
  /** Clients' event streams that hold it (a REPL pane's): it is not dropped while one is open. */
  holders: number;
}

export interface ConversationTableOptions {
  vaultDir: string;
  /** Conversations kept at most (`engine.maxConversations`), read at each new one. */
  max: () => number;
  /** Whether a conversation must stay even past `max` (its turn runs, a client holds it, the sequence holds it). */
  inUse: (conversation: EngineConversation) => boolean;
  /** Told about each conversation dropped. */
  onDrop: (conversation: EngineConversation) => void;
}

/**
 * The engine's conversations by id (the transcript's session id, so the two are found together),
 * least recently used first. A client that went away never says so (`ember ask` exits, a pane
 * closes), so past `max` the least recently used ones not in use are dropped: their transcripts
 * stay, an ask conversation's saved state stays for `--continue`, only the context goes.
 */
export class ConversationTable {
  /** Map order is use order: `touch` moves a conversation to the end. */
  readonly #byId = new Map<string, EngineConversation>();
  readonly #options: ConversationTableOptions;

  constructor(options: ConversationTableOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#byId.size;
  }

  create(options: NewConversationOptions = {}): EngineConversation {
    const { vaultDir } = this.#options;
    const last = options.continueLastAsk ? lastAskSession(vaultDir) : undefined;
    // Still here from the last ask: its context is the freshest there is.
    const live = last !== undefined ? this.touch(last) : undefined;
    if (live) return live;
    const id = last ?? sessionId();
    const conversation: EngineConversation = {
      id,
      transcript: new Transcript({ vaultDir, session: id }),
      createdAt: new Date().toISOString(),
      ask: options.ask === true || options.continueLastAsk === true,
      ...(last !== undefined ? { restoreFrom: last } : {}),
      ...(options.continueLastAsk && last === undefined
        ? { continued: false, notice: "no earlier ask conversation to continue; this one starts afresh" }
        : {}),
      turns: 0,
      turnsInFlight: 0,
      holders: 0,
    };
    this.#byId.set(conversation.id, conversation);
    this.#dropLeastRecentlyUsed(conversation);
    return conversation;
  }

  get(id: string): EngineConversation | undefined {
    return this.#byId.get(id);
  }

  /** The conversation, now the most recently used; undefined if there is none by that id. */
  touch(id: string): EngineConversation | undefined {
    const conversation = this.#byId.get(id);
    if (conversation) {
      this.#byId.delete(id);
      this.#byId.set(id, conversation);
    }
    return conversation;
  }

  /**
   * `ember ask` conversations go first: their client has exited after the turn, and their state is
   * saved for `--continue`; a pane's conversation goes only after them, so a script asking every
   * minute never takes the context of a pane left idle.
   */
  #dropLeastRecentlyUsed(created: EngineConversation): void {
    const { max, inUse, onDrop } = this.#options;
    const keep = max();
    for (const askOnly of [true, false])
      for (const conversation of this.#byId.values()) {
        if (this.#byId.size <= keep) return;
        if (conversation === created || inUse(conversation) || (askOnly && !conversation.ask)) continue;
        this.#byId.delete(conversation.id);
        onDrop(conversation);
      }
  }

  list(): ConversationSummary[] {
    return [...this.#byId.values()].map((c) => ({
      id: c.id,
      turns: c.turns,
      createdAt: c.createdAt,
      ...(c.lastQuestion !== undefined ? { lastQuestion: c.lastQuestion } : {}),
      ...(c.holders > 0 ? { held: true } : {}),
    }));
  }
}

/** The conversation's context on `bridge`: the same as before, or a new one after a model change. */
export function contextOn(
  conversation: EngineConversation,
  bridge: LlamaBridge,
  log: (message: string, fields: Record<string, unknown>) => void,
): Conversation {
  if (conversation.context?.bridge !== bridge) conversation.context = new Conversation({ bridge, log });
  return conversation.context;
}

/** Time first (transcripts sort by it), then randomness: the engine makes many per process. */
function sessionId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}-${crypto.randomUUID().slice(0, 8)}`;
}
