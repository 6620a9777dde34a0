/**
 * Fault class: a plugin granting itself the planner. A manifest's `plannerAllowed: true` is only a
 * request; the planner may run the command once the operator trusted the plugin (`/plugins trust`,
 * written to the vault's config), and not after `/plugins untrust`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";

const vault = tempVault();
afterAll(() => rmSync(vault, { recursive: true, force: true }));
const plugin = join(vault, "plugins", "greeter");
mkdirSync(plugin, { recursive: true });
writeFileSync(
  join(plugin, "plugin.yml"),
  'name: greeter\nversion: "1.0.0"\ndescription: says hi\ncommands:\n  - {name: hello, summary: says hi, usage: /hello, exec: run.sh, plannerAllowed: true}\n',
);
writeFileSync(join(plugin, "run.sh"), `#!/bin/sh\ncat >/dev/null; printf '{"ok":true,"output":"hi"}'\n`);
chmodSync(join(plugin, "run.sh"), 0o755);

const repl = (lines: string) => runEmber([], { vault, stdin: lines });
/** The /help line of /hello. */
const helpLine = (stdout: string) => stdout.split("\n").find((line) => line.trimStart().startsWith("/hello"));

describe("plugins and the planner", () => {
  test("a manifest's plannerAllowed is a request, shown in /plugins and /agents, and not granted", async () => {
    const { code, stdout } = await repl("/help\n/plugins\n/agents\n");
    expect(code).toBe(0);
    expect(helpLine(stdout)).toContain("[operator only]");
    expect(stdout).toMatch(
      /^ *greeter +\/hello +asks the planner for \/hello: not granted \(\/plugins trust greeter\)$/m,
    );
    expect(stdout).toContain("plugin greeter: asks the planner for /hello: not granted");
  });

  test("/plugins trust grants it (kept in the vault's config), /plugins untrust takes it back", async () => {
    const trusted = await repl("/plugins trust greeter\n/help\n");
    expect(trusted.stdout).toContain("plugin greeter: planner may run /hello (trusted)");
    expect(helpLine(trusted.stdout)).not.toContain("[operator only]");
    expect(readFileSync(join(vault, "config", "zz-local.yml"), "utf8")).toMatch(/trusted:\s*\n?\s*- greeter/);

    // A new process reads the grant from the config.
    const later = await repl("/plugins\n/help\n");
    expect(later.stdout).toContain("planner may run /hello (trusted)");
    expect(helpLine(later.stdout)).not.toContain("[operator only]");

    const untrusted = await repl("/plugins untrust greeter\n/help\n");
    expect(untrusted.stdout).toContain("plugin greeter: asks the planner for /hello: not granted");
    expect(helpLine(untrusted.stdout)).toContain("[operator only]");
  });
});
