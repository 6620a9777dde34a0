import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { engineWanted, findEngine } from "../engine/auto-start.ts";
import { renderEngineStatus } from "../status/engine.ts";
import { renderStatus } from "../status/render.ts";
import { collectStatus, type Health } from "../status/report.ts";
import { terminalJson } from "../terminal/sanitize.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";
import { EXIT } from "./exit-codes.ts";

/** Scripts read health from the exit code alone: `ember status || alert`. */
export const HEALTH_EXIT: Record<Health, number> = {
  ok: EXIT.ok,
  degraded: EXIT.degraded,
  failed: EXIT.failed,
};

export default defineCommand({
  meta: {
    name: "status",
    description:
      "config, vault, agents, engine and system health, once (exit 0 healthy, 3 degraded, 4 failed)",
  },
  args: { json: { type: "boolean", description: "print the status as JSON", default: false } },
  async run({ args }) {
    const { app, agentsDone } = bootEmber();
    // The engine is asked, never started: a status check must not load a model.
    const [engine] = await Promise.all([
      engineWanted(app.env)
        ? findEngine(app.settings.vaultDir)
            .then((c) => c?.status())
            .catch(() => undefined)
        : undefined,
      agentsDone,
    ]);
    const report = collectStatus(app);
    if (args.json) {
      process.stdout.write(`${terminalJson({ ...report, engine: engine ?? null })}\n`);
    } else {
      const style = createStyle(colorWanted(process.stdout));
      for (const line of [...renderStatus(report, style), ...renderEngineStatus(engine, style)])
        console.log(line);
    }
    process.exitCode = HEALTH_EXIT[report.health];
  },
});
