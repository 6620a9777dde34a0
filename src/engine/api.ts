import type { CommandOutput } from "../commands/types.ts";
import type { TurnEvents, TurnResult } from "../planner/turn.ts";
import type { ConversationSummary, EngineStatus, NewConversationOptions } from "./protocol.ts";

/**
 * A turn's result as the engine hands it back: also why its transcript could not be written, and
 * for an `ember ask` conversation whether it carried on the last one (and why not, if it could not).
 */
export type EngineTurnResult = TurnResult & {
  transcriptProblem?: string;
  continued?: boolean;
  notice?: string;
};

/** What a client hears about its turn besides the turn's own events. */
export interface TurnWaitEvents extends TurnEvents {
  /** Waiting behind other turns; 1 means next. */
  onQueued?(position: number): void;
  /** Its turn came, and the model is still loading. */
  onLoading?(): void;
  /** The turn runs now. */
  onStarted?(): void;
}

export interface AskOptions {
  signal?: AbortSignal;
  events?: TurnWaitEvents;
}

export interface CommandRunOptions {
  conversation?: string;
  color: boolean;
  signal?: AbortSignal;
  out: CommandOutput;
}

/**
 * The engine as every client uses it, whether it runs in this process (`--no-engine`) or behind the
 * socket: the REPL, `ember ask` and the HUD do not know which.
 */
export interface EngineApi {
  status(): Promise<EngineStatus>;
  /** A new conversation's id; `ember ask` asks for an ask conversation, `--continue` for the last one. */
  newConversation(options?: NewConversationOptions): Promise<string>;
  conversations(): Promise<ConversationSummary[]>;
  /** One plain-language turn on `conversation`, after those queued before it. */
  ask(conversation: string, question: string, options?: AskOptions): Promise<EngineTurnResult>;
  /**
   * The plain-language line being typed in `conversation`, so far: its turn is prepared in the
   * background (excerpts retrieved and evaluated). Returns at once; never fails.
   */
  prefill(conversation: string, text: string): void;
  /** Forgets what `prefill` prepared; resolves once the model is free again. Never rejects. */
  dropSpeculative(conversation: string): Promise<void>;
  /** A slash command that belongs to the engine (`/model`); resolves to whether it asked to quit. */
  runCommand(line: string, options: CommandRunOptions): Promise<{ ok: boolean }>;
  /** Calls `listener` with the engine's state now and on every change; returns how to stop. */
  watch(listener: (status: EngineStatus) => void): () => void;
  /** Lets go: a client closes its connections; the in-process engine unloads the model. */
  close(): Promise<void>;
}
