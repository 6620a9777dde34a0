import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { renderStatus } from "../status/render.ts";
import { collectStatus, type Health } from "../status/report.ts";
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
    description: "config, vault, agents and system health, once (exit 0 healthy, 3 degraded, 4 failed)",
  },
  args: { json: { type: "boolean", description: "print the status as JSON", default: false } },
  async run({ args }) {
    const { app, agentsDone } = bootEmber();
    await agentsDone;
    const report = collectStatus(app);
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else for (const line of renderStatus(report, createStyle(colorWanted(process.stdout)))) console.log(line);
    process.exitCode = HEALTH_EXIT[report.health];
  },
});
