import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { App } from "../../src/app.ts";
import { runLine, tempApp } from "../helpers/app.ts";

let app: App;
let vault: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ app, vault, cleanup } = await tempApp());
});
afterAll(() => cleanup());

const override = () => parse(readFileSync(join(vault, "config", "zz-local.yml"), "utf8"));
const logRecords = () =>
  readFileSync(join(vault, "logs", "ember.log"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));

describe("/agents enable and disable", () => {
  test("disable writes agents.disabled to the vault's override file, logs it, and applies at once", async () => {
    const { result, output } = await runLine(app, "/agents disable metrics");
    expect(result.ok).toBe(true);
    expect(output).toBe("agent metrics disabled (config/zz-local.yml:5:5)\n");
    expect(override()).toEqual({ agents: { disabled: ["metrics"] } });
    // Written whole or not at all: no temp file is left beside it.
    expect(readdirSync(join(vault, "config"))).toEqual(["zz-local.yml"]);
    expect(logRecords().find((r) => r.msg === "agent metrics disabled")).toMatchObject({
      msg: "agent metrics disabled",
      agent: "metrics",
      changes: { "agents.disabled": ["metrics"] },
      source: "operator",
    });
    expect(app.settings.config.agents.disabled).toEqual(["metrics"]);
    expect((await runLine(app, "/agents")).output).toMatch(/^\s+metrics\s+disabled\s/m);
  });

  test("running a disabled agent runs it, and says so in its one line", async () => {
    const { output } = await runLine(app, "/agents run metrics");
    expect(output.trimEnd().split("\n")).toHaveLength(1);
    expect(output).toMatch(/^metrics: ok load .* \(\d+ ms\) · disabled in config, ran once\n$/);
  });

  test("enable takes it out again; asking twice changes nothing", async () => {
    expect((await runLine(app, "/agents enable metrics")).output).toBe(
      "agent metrics enabled (config/zz-local.yml:4:13)\n",
    );
    expect(override()).toEqual({ agents: { disabled: [] } });
    expect((await runLine(app, "/agents enable metrics")).output).toBe(
      "agent metrics is already enabled; nothing changed\n",
    );
    const { output } = await runLine(app, "/agents run metrics");
    expect(output).not.toContain("disabled");
  });

  test("an unknown agent is a usage error; the planner may only list", async () => {
    const unknown = await runLine(app, "/agents disable watchdog");
    expect(unknown.result.ok).toBe(false);
    expect(unknown.output).toContain("no agent named watchdog; agents: core, network,");
    const planner = await runLine(app, "/agents disable metrics", "planner");
    expect(planner.result.ok).toBe(false);
    expect(override()).toEqual({ agents: { disabled: [] } });
  });
});
