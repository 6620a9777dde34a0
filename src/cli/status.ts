import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { renderStatus } from "../status/render.ts";
import { collectStatus } from "../status/report.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";

export default defineCommand({
  meta: { name: "status", description: "config, vault, agents and system health, once" },
  args: { json: { type: "boolean", description: "print the status as JSON", default: false } },
  async run({ args }) {
    const { app, agentsDone } = bootEmber();
    await agentsDone;
    const report = collectStatus(app);
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else for (const line of renderStatus(report, createStyle(colorWanted(process.stdout)))) console.log(line);
  },
});
