import { homedir } from "node:os";
import { readMetrics } from "../agents/metrics.ts";
import type { App } from "../app.ts";
import { collectStatus } from "../status/report.ts";
import type { HudModel, HudState } from "./state.ts";

/** What only the running REPL knows: its model and its last turn. */
export interface HudUpdate {
  model?: HudModel;
  lastTurnTokensPerSecond?: number;
}

const MODEL_STATES: ReadonlySet<string> = new Set(["none", "loading", "ready", "failed"]);

/** The REPL-only part of the facts, as the publisher shares it with `ember hud`. */
export function replFacts(facts: HudUpdate): HudUpdate {
  return {
    ...(facts.model ? { model: facts.model } : {}),
    ...(facts.lastTurnTokensPerSecond !== undefined
      ? { lastTurnTokensPerSecond: facts.lastTurnTokensPerSecond }
      : {}),
  };
}

/** Reads what replFacts shared; anything malformed is left out rather than shown wrong. */
export function parseReplFacts(text: string): HudUpdate {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null) return {};
  const { model, lastTurnTokensPerSecond: speed } = value as Record<string, unknown>;
  const facts: HudUpdate = {};
  if (typeof model === "object" && model !== null) {
    const { state, name } = model as Record<string, unknown>;
    if (typeof state === "string" && MODEL_STATES.has(state)) {
      facts.model = { state: state as HudModel["state"], ...(typeof name === "string" ? { name } : {}) };
    }
  }
  if (typeof speed === "number" && Number.isFinite(speed) && speed >= 0)
    facts.lastTurnTokensPerSecond = speed;
  return facts;
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
    ...(facts.lastTurnTokensPerSecond !== undefined
      ? { lastTurnTokensPerSecond: facts.lastTurnTokensPerSecond }
      : {}),
    memory: { usedBytes: memory.totalBytes - memory.availableBytes, totalBytes: memory.totalBytes },
    ...("celsius" in temperature ? { temperatureCelsius: temperature.celsius } : {}),
    time: now,
  };
}
