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
