import { homedir } from "node:os";
import * as v from "valibot";
import { readMetrics } from "../agents/metrics.ts";
import type { App } from "../app.ts";
import { collectStatus } from "../status/report.ts";
import type { HudModel, HudState } from "./state.ts";

/** What only the running REPL knows: its model and its last turn. */
export interface HudUpdate {
  model?: HudModel;
  /** The engine's turns running and waiting. */
  queue?: number;
  lastTurnTokensPerSecond?: number;
}

/** The REPL-only part of the facts, as the publisher shares it with `ember hud`. */
export function replFacts(facts: HudUpdate): HudUpdate {
  return {
    ...(facts.model ? { model: facts.model } : {}),
    ...(facts.queue !== undefined ? { queue: facts.queue } : {}),
    ...(facts.lastTurnTokensPerSecond !== undefined
      ? { lastTurnTokensPerSecond: facts.lastTurnTokensPerSecond }
      : {}),
  };
}

// Each part that does not fit is dropped on its own (fallback): shown as unknown, never wrong.
const ReplFactsSchema = v.object({
  model: v.fallback(
    v.optional(
      v.object({
        state: v.picklist(["none", "loading", "ready", "failed"]),
        name: v.fallback(v.optional(v.string()), undefined),
      }),
    ),
    undefined,
  ),
  queue: v.fallback(v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))), undefined),
  lastTurnTokensPerSecond: v.fallback(v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))), undefined),
});

/** Reads what replFacts shared; anything malformed is left out rather than shown wrong. */
export function parseReplFacts(text: string): HudUpdate {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = v.safeParse(ReplFactsSchema, value);
  if (!parsed.success) return {};
  const { model, queue, lastTurnTokensPerSecond } = parsed.output;
  return {
    ...(model
      ? { model: { state: model.state, ...(model.name !== undefined ? { name: model.name } : {}) } }
      : {}),
    ...(queue !== undefined ? { queue } : {}),
    ...(lastTurnTokensPerSecond !== undefined ? { lastTurnTokensPerSecond } : {}),
  };
}

export interface HudFacts extends HudUpdate {
  session?: string;
  /** False until the boot agents have reported: health shows `starting`. */
  booted: boolean;
}

/** One HUD reading: health from the agents' latest results, memory and temperature read now. */
export function collectHudState(app: App, facts: HudFacts, now: Date = new Date()): HudState {
  const { config, vaultDir } = app.settings;
  const metrics = readMetrics({ vaultDir, thermalZone: config.agents.metrics.thermalZone });
  const { memory, temperature } = metrics;
  return {
    ...(facts.session ? { session: facts.session } : {}),
    vault: vaultDir,
    home: app.env.HOME || homedir(),
    health: facts.booted ? collectStatus(app).health : "starting",
    model: facts.model ?? { state: "none" },
    ...(facts.queue !== undefined ? { queue: facts.queue } : {}),
    ...(facts.lastTurnTokensPerSecond !== undefined
      ? { lastTurnTokensPerSecond: facts.lastTurnTokensPerSecond }
      : {}),
    memory: { usedBytes: memory.totalBytes - memory.availableBytes, totalBytes: memory.totalBytes },
    ...("celsius" in temperature ? { temperatureCelsius: temperature.celsius } : {}),
    time: now,
  };
}
