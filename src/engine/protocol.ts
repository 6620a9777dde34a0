import type { HudModel } from "../hud/state.ts";
import type { TurnResult } from "../planner/turn.ts";

/**
 * The engine's API as data: what `docs/ENGINE.md` documents. Requests and responses are JSON;
 * streams are server-sent events, one JSON object per `data:` line, named by `event:`.
 */

/** The model as clients see it: no bridge object, only what can cross a socket. */
export interface EngineModelState extends HudModel {
  path?: string;
  threads?: number;
  contextSize?: number;
  /** Why the last load failed. */
  error?: string;
}

export interface EngineQueueState {
  /** The conversation whose turn (or model job) runs now. */
  running?: string;
  /** Conversations waiting, first in line first. */
  waiting: string[];
}

/** `GET /v1/status`, and every `state` event of `GET /v1/events`. */
export interface EngineStatus {
  pid: number;
  version: string;
  vault: string;
  startedAt: string;
  uptimeSeconds: number;
  model: EngineModelState;
  /** Open connections: event streams (REPLs) and requests in flight (`ember ask`). */
  clients: number;
  queue: EngineQueueState;
  lastTurnTokensPerSecond?: number;
  conversations: number;
  /** Started by a supervisor (OpenRC's supervise-daemon sets RC_SVCNAME), which restarts it. */
  supervised: boolean;
}

/** `POST /v1/conversations`: what kind of conversation to start (all absent: a REPL's). */
export interface NewConversationOptions {
  /** An `ember ask` conversation: its state is saved for `--continue`. */
  ask?: boolean;
  /** Carry on the vault's last ask conversation (`ember ask --continue`). */
  continueLastAsk?: boolean;
}

export interface ConversationSummary {
  id: string;
  /** Turns answered (or stopped) so far. */
  turns: number;
  createdAt: string;
  lastQuestion?: string;
  /** A client's event stream holds it (`GET /v1/events?hold=`): it is not dropped meanwhile. */
  held?: boolean;
}

/** The events of a turn's stream (`POST /v1/conversations/:id/turns`), in the order they come. */
export type TurnStreamEvent =
  | { event: "queued"; data: { position: number } }
  | { event: "loading"; data: Record<string, never> }
  | { event: "started"; data: Record<string, never> }
  | { event: "command"; data: { line: string } }
  | { event: "output"; data: { text: string } }
  | { event: "answer"; data: { text: string } }
  | { event: "done"; data: TurnResult }
  | { event: "error"; data: { message: string } };

/** The events of a slash command's stream (`POST /v1/commands`). */
export type CommandStreamEvent =
  | { event: "output"; data: { text: string } }
  | { event: "done"; data: { ok: boolean; quit?: boolean } }
  | { event: "error"; data: { message: string } };

/** Requests carry at most this much JSON; anything bigger is refused with 413 before parsing. */
export const MAX_REQUEST_BYTES = 256 * 1024;
