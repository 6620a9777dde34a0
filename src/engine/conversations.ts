import { ConversationMemory } from "../planner/memory.ts";
import type { ConversationSummary } from "./protocol.ts";

/** One client's conversation inside the engine: its own transcript and history. */
export interface EngineConversation {
  readonly id: string;
  readonly memory: ConversationMemory;
  readonly createdAt: string;
  turns: number;
  lastQuestion?: string;
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

  create(): EngineConversation {
    const memory = new ConversationMemory({ vaultDir: this.#vaultDir, session: sessionId() });
    const conversation: EngineConversation = {
      id: memory.session,
      memory,
      createdAt: new Date().toISOString(),
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

/** Time first (transcripts sort by it), then randomness: the engine makes many per process. */
function sessionId(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}-${crypto.randomUUID().slice(0, 8)}`;
}
