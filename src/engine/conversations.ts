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
}

/** The engine's conversations by id (the transcript's session id, so the two are found together). */
export class ConversationTable {
  readonly #byId = new Map<string, EngineConversation>();
  readonly #vaultDir: string;

  constructor(vaultDir: string) {
    this.#vaultDir = vaultDir;
  }

  get size(): number {
    return this.#byId.size;
  }

  create(options: NewConversationOptions = {}): EngineConversation {
    const last = options.continueLastAsk ? lastAskSession(this.#vaultDir) : undefined;
    // Still here from the last ask: its context is the freshest there is.
    const live = last !== undefined ? this.#byId.get(last) : undefined;
    if (live) return live;
    const id = last ?? sessionId();
    const conversation: EngineConversation = {
      id,
      transcript: new Transcript({ vaultDir: this.#vaultDir, session: id }),
      createdAt: new Date().toISOString(),
      ask: options.ask === true || options.continueLastAsk === true,
      ...(last !== undefined ? { restoreFrom: last } : {}),
      ...(options.continueLastAsk && last === undefined
        ? { continued: false, notice: "no earlier ask conversation to continue; this one starts afresh" }
        : {}),
      turns: 0,
    };
    this.#byId.set(conversation.id, conversation);
    return conversation;
  }

  get(id: string): EngineConversation | undefined {
    return this.#byId.get(id);
  }

  list(): ConversationSummary[] {
    return [...this.#byId.values()].map((c) => ({
      id: c.id,
      turns: c.turns,
      createdAt: c.createdAt,
      ...(c.lastQuestion !== undefined ? { lastQuestion: c.lastQuestion } : {}),
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
