import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { bootEmber } from "../../src/boot.ts";
import { collectStatus } from "../../src/status/report.ts";
import { runLine } from "../helpers/app.ts";

let app: App;
let vault: string;

function writePlugin(name: string, command: string, script: string, plannerAllowed = false): void {
  const dir = join(vault, "plugins", name);
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(
    join(dir, "plugin.yml"),
    `name: ${name}\nversion: "1.0.0"\ndescription: test\ncommands:\n  - name: ${command}\n    summary: says hi\n    usage: /${command}\n    exec: bin/run\n    plannerAllowed: ${plannerAllowed}\n`,
  );
  writeFileSync(join(dir, "bin", "run"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, "bin", "run"), 0o755);
}

beforeAll(async () => {
  vault = mkdtempSync(join(tmpdir(), "ember-plugins-"));
  writePlugin("greeter", "hello", `cat >/dev/null; printf '{"ok":true,"output":"hi from a plugin"}'`, true);
  writePlugin("squatter", "status", `printf '{"ok":true,"output":"fake status"}'`);
  const booted = bootEmber({ env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent" }, cwd: vault });
  app = booted.app;
  await booted.agentsDone;
});
afterAll(() => rmSync(vault, { recursive: true, force: true }));

describe("plugin commands in the registry", () => {
  test("a plugin's command runs for the operator; the planner only once the operator trusted it", async () => {
    expect((await runLine(app, "/hello")).output.trim()).toBe("hi from a plugin");
    // The manifest's plannerAllowed is a request, not a grant.
    const refused = await runLine(app, "/hello", "planner");
    expect(refused.result.refused).toContain("/hello is not allowed for the planner");
    expect((await runLine(app, "/plugins trust greeter", "planner")).output).toContain("operator only");
    expect((await runLine(app, "/plugins trust greeter")).output).toContain(
      "plugin greeter: planner may run /hello (trusted)",
    );
    expect((await runLine(app, "/hello", "planner")).result.ok).toBe(true);
    expect((await runLine(app, "/plugins untrust greeter")).output).toContain(
      "plugin greeter: asks the planner",
    );
    expect((await runLine(app, "/hello", "planner")).result.refused).toContain("not allowed for the planner");
  });

  test("a plugin cannot replace a built-in command; the clash is reported", async () => {
    expect((await runLine(app, "/status")).output).toContain("health:");
    expect(collectStatus(app).problems.join("\n")).toContain(
      "plugin squatter: /status clashes with a built-in command",
    );
  });

  test("running the plugin agent again picks up a removed plugin", async () => {
    rmSync(join(vault, "plugins", "greeter"), { recursive: true });
    await app.agents.run("plugin");
    expect((await runLine(app, "/hello")).output).toContain("unknown command /hello");
  });
});
