import type { EngineStatus } from "../engine/protocol.ts";
import type { HudUpdate } from "./collect.ts";

/** What the HUD shows of the engine's state: its model, its queue and its last turn's speed. */
export function hudFactsFromEngine(status: EngineStatus): HudUpdate {
  const { state, name } = status.model;
  return {
    model: { state, ...(name !== undefined ? { name } : {}) },
    queue: (status.queue.running ? 1 : 0) + status.queue.waiting.length,
    ...(status.lastTurnTokensPerSecond !== undefined
      ? { lastTurnTokensPerSecond: status.lastTurnTokensPerSecond }
      : {}),
  };
}
