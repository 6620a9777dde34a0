import { afterAll, describe, expect, test } from "bun:test";
import { homedir } from "node:os";
import { join } from "node:path";
import { pluginAgent, pluginCommands, pluginFolders } from "../../src/agents/plugin.ts";
import { runAgentOnDemand } from "../../src/agents/runner.ts";
import type { AgentResult } from "../../src/agents/types.ts";
import { discoverPlugins } from "../../src/plugins/discover.ts";
import { ECHO_SCRIPT, manifestFor, writePlugin } from "../plugins/fixtures.ts";
import { memoryLog, tempDir, testConfig, testContext } from "./context.ts";

const root = tempDir("ember-plugin-agent-");
afterAll(root.cleanup);

const vault = join(root.dir, "vault");
const shared = join(root.dir, "shared");
writePlugin(
  shared,
  "echo",
  manifestFor("echo", [
    { name: "echo", exec: "echo.sh", extra: "plannerAllowed: true" },
    { name: "hang", exec: "hang.sh", extra: "timeoutMs: 200" },
    { name: "crash", exec: "crash.sh" },
    { name: "garbage", exec: "garbage.sh" },
  ]),
  {
    "echo.sh": ECHO_SCRIPT,
    "hang.sh": "#!/bin/sh\nexec sleep 30\n",
    "crash.sh": "#!/bin/sh\necho 'no such sensor' >&2\nexit 3\n",
    "garbage.sh": "#!/bin/sh\necho '<html>not json</html>'\n",
  },
);
writePlugin(join(vault, "plugins"), "notes", manifestFor("notes", [{ name: "note", exec: "note" }]), {
  note: ECHO_SCRIPT,
});

const config = testConfig(vault, (c) => {
  c.agents.plugin.paths = [shared];
});

async function discovered(): Promise<AgentResult> {
  const outcome = await pluginAgent.run(testContext(vault, { config }));
  return { ...outcome, ms: 0, at: new Date().toISOString() };
}

describe("plugin agent", () => {
  test("searches agents.plugin.paths, then the vault's plugins/", () => {
    expect(pluginFolders(config, vault)).toEqual([shared, join(vault, "plugins")]);
    const relative = testConfig(vault, (c) => {
      c.agents.plugin.paths = ["extra", "~/plugins"];
    });
    expect(pluginFolders(relative, vault, "/work")).toEqual([
      "/work/extra",
      join(homedir(), "plugins"),
      join(vault, "plugins"),
    ]);
  });

  test("ok with the plugins and commands it found listed in details", async () => {
    const result = await discovered();
    expect(result.status).toBe("ok");
    expect(result.summary).toBe("2 plugins, 5 commands");
    expect((result.details.plugins as { name: string }[]).map((p) => p.name)).toEqual(["echo", "notes"]);
    expect((result.details.commands as { name: string }[]).map((c) => c.name)).toEqual([
      "echo",
      "hang",
      "crash",
      "garbage",
      "note",
    ]);
    expect(result.details.problems).toEqual([]);
  });

  test("degraded, never failed, when a manifest is bad; the problem names file:line:col", async () => {
    const bad = join(root.dir, "bad");
    writePlugin(
      bad,
      "broken",
      'name: broken\nversion: "1"\ndescription: x\ncommands:\n  - name: b\n    summary: s\n    usage: /b\n    exec: b\n    plannerAllowed: maybe\n',
    );
    const withBad = testConfig(vault, (c) => {
      c.agents.plugin.paths = [bad];
    });
    const outcome = await pluginAgent.run(testContext(vault, { config: withBad }));
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toBe(
      `1 plugin, 1 command; 1 problem: ${join(bad, "broken", "plugin.yml")}:9:21 commands.0.plannerAllowed: expected true or false`,
    );
  });

  test("no plugins anywhere is ok", async () => {
    const empty = testConfig(join(root.dir, "empty-vault"));
    const outcome = await pluginAgent.run(testContext(join(root.dir, "empty-vault"), { config: empty }));
    expect(outcome).toMatchObject({ status: "ok", summary: "no plugins" });
  });

  test("is skipped while the config is invalid", async () => {
    const results = await runAgentOnDemand("plugin", {
      config,
      configValid: false,
      configIssues: ["x"],
      vaultDir: vault,
      log: memoryLog().log,
    });
    expect(results.get("plugin")).toMatchObject({ status: "skipped", summary: "config invalid" });
    expect(pluginCommands(results.get("plugin") as AgentResult)).toEqual([]);
  });
});

describe("pluginCommands", () => {
  test("describes each command for the slash-command registry", async () => {
    const commands = pluginCommands(await discovered());
    expect(
      commands.map(({ plugin, name, summary, usage, plannerRequested }) => ({
        plugin,
        name,
        summary,
        usage,
        plannerRequested,
      })),
    ).toEqual([
      { plugin: "echo", name: "echo", summary: "runs echo", usage: "/echo [ARGS]", plannerRequested: true },
      { plugin: "echo", name: "hang", summary: "runs hang", usage: "/hang [ARGS]", plannerRequested: false },
      {
        plugin: "echo",
        name: "crash",
        summary: "runs crash",
        usage: "/crash [ARGS]",
        plannerRequested: false,
      },
      {
        plugin: "echo",
        name: "garbage",
        summary: "runs garbage",
        usage: "/garbage [ARGS]",
        plannerRequested: false,
      },
      { plugin: "notes", name: "note", summary: "runs note", usage: "/note [ARGS]", plannerRequested: false },
    ]);
  });

  test("run sends the protocol request and returns the plugin's answer", async () => {
    const echo = pluginCommands(await discovered()).find((c) => c.name === "echo");
    const answer = await echo?.run(["a", "b c"], { source: "operator", vaultDir: vault });
    expect(answer?.ok).toBe(true);
    expect(JSON.parse(answer?.output ?? "")).toEqual({
      command: "echo",
      args: ["a", "b c"],
      source: "operator",
      vaultDir: vault,
      version: 1,
    });
  });

  test("a hang, a crash and garbage each come back as an error naming the plugin", async () => {
    const commands = pluginCommands(await discovered());
    const run = (name: string) =>
      commands.find((c) => c.name === name)?.run([], { source: "planner", vaultDir: vault });
    expect(await run("hang")).toEqual({
      ok: false,
      output: "",
      error: "plugin echo: timed out after 200 ms (killed)",
    });
    expect(await run("crash")).toEqual({
      ok: false,
      output: "",
      error: "plugin echo: exited with code 3: no such sensor",
    });
    expect((await run("garbage"))?.error).toBe(
      "plugin echo: answered something that is not JSON: <html>not json</html>",
    );
  });

  test("accepts a discovery directly, and ignores results without commands", async () => {
    const direct = pluginCommands(discoverPlugins([join(vault, "plugins")], 1000));
    expect(direct.map((c) => c.name)).toEqual(["note"]);
    expect((await direct[0]?.run([], { source: "operator", vaultDir: vault }))?.ok).toBe(true);
    const result = await discovered();
    expect(pluginCommands({ ...result, details: {} })).toEqual([]);
    expect(pluginCommands({ ...result, details: { commands: [{ name: "half" }] } })).toEqual([]);
  });
});
