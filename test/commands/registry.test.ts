import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { QuitRequest } from "../../src/commands/types.ts";
import { captureOutput, plain, runLine, tempApp } from "../helpers/app.ts";

let app: App;
let vault: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ app, vault, cleanup } = await tempApp());
});
afterAll(() => cleanup());

describe("slash-command registry", () => {
  test("an unknown command names the closest match", async () => {
    const { result, output } = await runLine(app, "/stauts");
    expect(result.ok).toBe(false);
    expect(output.trim()).toBe("unknown command /stauts — did you mean /status?");
  });

  test("a command that is not planner-allowed is refused for the planner and logged", async () => {
    const { result, output } = await runLine(app, "/config set llm.maxTokens 5", "planner");
    expect(result.refused).toContain("not allowed for the planner");
    expect(output).toContain("/config is not allowed for the planner");
    expect(app.settings.config.llm.maxTokens).toBe(128);
    const log = readFileSync(join(vault, "logs", "ember.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.some((e) => e.msg === "command" && e.command === "config" && e.source === "planner")).toBe(
      true,
    );
  });

  test("a structured call reaches the command with its arguments as given, never re-parsed", async () => {
    const seen: { args: readonly string[]; rest: string }[] = [];
    app.commands.register({
      name: "echoargs",
      summary: "test",
      usage: "/echoargs",
      plannerAllowed: true,
      requiresReady: false,
      run: (args, { rest }) => {
        seen.push({ args, rest });
      },
    });
    const out = captureOutput();
    const result = await app.commands.invoke(
      { name: "echoargs", args: ["disk full", "x"] },
      { host: app, source: "planner", out, style: plain },
    );
    expect(result.ok).toBe(true);
    expect(seen).toEqual([{ args: ["disk full", "x"], rest: "disk full x" }]);
    // The same rules as a typed line: unknown names and planner refusals.
    const unknown = await app.commands.invoke(
      { name: "nope", args: [] },
      { host: app, source: "planner", out, style: plain },
    );
    expect(unknown.refused).toContain("unknown command /nope");
    const refused = await app.commands.invoke(
      { name: "config", args: ["set", "llm.maxTokens", "5"] },
      { host: app, source: "planner", out, style: plain },
    );
    expect(refused.refused).toContain("not allowed for the planner");
  });

  test("completes command names, then each command's own arguments", () => {
    expect(app.commands.complete("/sta", 4, app)).toEqual({ replaceFrom: 0, candidates: ["/status"] });
    expect(app.commands.complete("/man ", 5, app).candidates).toContain("config");
    const keys = app.commands.complete("/config get llm.max", 19, app);
    expect(keys).toEqual({ replaceFrom: 12, candidates: ["llm.maxTokens", "llm.maxPlannedCommands"] });
  });

  test("/config set changes the effective value and writes the audit line", async () => {
    const { result, output } = await runLine(app, "/config set llm.maxTokens 64");
    expect(result.ok).toBe(true);
    expect(output).toContain("llm.maxTokens = 64");
    expect(app.settings.config.llm.maxTokens).toBe(64);
    const log = readFileSync(join(vault, "logs", "ember.log"), "utf8");
    expect(log).toContain('"msg":"config set","key":"llm.maxTokens","previous":128,"value":64');
  });

  test("/quit asks the REPL to leave", async () => {
    await expect(runLine(app, "/quit")).rejects.toBeInstanceOf(QuitRequest);
  });

  test("/man renders a manual page, /help lists every command", async () => {
    expect((await runLine(app, "/man config")).output).toContain("/config set llm.maxTokens 64");
    const help = (await runLine(app, "/help")).output;
    for (const name of ["/agents", "/config", "/history", "/man", "/status"]) expect(help).toContain(name);
  });
});
