/**
 * Fault class: a file Ember parses (config, plugin manifest) that is hostile or broken must not
 * stop the console. Each is size-capped before parsing; any parse failure is one located problem
 * and the "config invalid" state; problem lists are capped; `ember pane` always ends in a REPL or
 * a shell. Through the real program: `bun src/main.ts …` and `ember pane` in real tmux.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { aliasBomb } from "../helpers/alias-bomb.ts";
import { runEmber } from "../helpers/ember-cli.ts";
import { emberTerminals } from "../helpers/ember-terminals.ts";

const terminals = emberTerminals();

function vaultWith(files: Record<string, string | Uint8Array>): string {
  const vault = terminals.freshVault();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(vault, name, ".."), { recursive: true });
    writeFileSync(join(vault, name), content);
  }
  return vault;
}

/** Nothing an operator should ever see from a crash: a stack frame, a code frame, a raw JS error. */
function expectNoCrash(text: string): void {
  expect(text).not.toMatch(/^\s+at .+[:(]/m);
  expect(text).not.toMatch(/^\s*\d+ \| /m);
  expect(text).not.toContain("ReferenceError");
}

describe("a config file that is an alias bomb", () => {
  test("ember status: one located problem, the config-invalid state, and everything else still reported", async () => {
    const vault = vaultWith({ "config/bomb.yml": aliasBomb() });
    const status = await runEmber(["status"], { vault });
    expectNoCrash(status.stdout + status.stderr);
    expect(status.stderr).toBe("");
    expect(status.stdout).toContain("config invalid (1 problem)");
    expect(status.stdout).toContain(
      "! config/bomb.yml:2:10 (yaml): aliases expand to too many items (an alias bomb?); not read",
    );
    expect(status.stdout).toMatch(/core\s+degraded\s+config invalid \(1 issue\)/);
  });

  test("the REPL starts in the config-invalid state and answers commands", async () => {
    const vault = vaultWith({ "config/bomb.yml": aliasBomb() });
    const repl = await runEmber([], { vault, stdin: "/config\n/status\n" });
    expectNoCrash(repl.stdout + repl.stderr);
    expect(repl.stdout).toContain("! config/bomb.yml:2:10 (yaml): aliases expand to too many items");
    expect(repl.stdout).toContain("config invalid (1 problem)");
  });

  test("a plugin manifest that is an alias bomb is a located plugin problem", async () => {
    const vault = vaultWith({ "plugins/bomb/plugin.yml": aliasBomb() });
    const status = await runEmber(["status", "--json"], { vault });
    expectNoCrash(status.stderr);
    const plugin = JSON.parse(status.stdout).agents.find((a: { name: string }) => a.name === "plugin");
    expect(plugin.last.status).toBe("degraded");
    expect(plugin.last.details.problems).toEqual([
      "plugins/bomb/plugin.yml:2:10 (yaml): aliases expand to too many items (an alias bomb?); not read",
    ]);
  });
});

describe("files too large or not text", () => {
  test("a 50 MB config is refused unread, in one line", async () => {
    const vault = vaultWith({ "config/huge.yml": Buffer.alloc(50 * 1024 * 1024, "k: v\n") });
    // Before the cap this took minutes and gigabytes; the timeout only keeps a failure cheap.
    const status = await runEmber(["status"], { vault, timeoutMs: 20_000 });
    expectNoCrash(status.stdout + status.stderr);
    expect(status.stdout).toContain(
      "! config/huge.yml:1:1 (file): is 50.0 MiB, over the 256.0 KiB limit; not read",
    );
    expect(status.stdout.length).toBeLessThan(4000);
  });

  test("a config that is not UTF-8 names its first bad line", async () => {
    const vault = vaultWith({
      "config/latin1.yml": Buffer.concat([Buffer.from("repl:\n  prompt: "), Buffer.from([0xe9, 0x0a])]),
    });
    const status = await runEmber(["status"], { vault });
    expect(status.stdout).toContain("! config/latin1.yml:2:1 (file): not UTF-8 text");
  });

  test("a plugin manifest over its cap is a plugin problem, not read", async () => {
    const vault = vaultWith({ "plugins/big/plugin.yml": `name: big\n#${"x".repeat(70 * 1024)}\n` });
    const status = await runEmber(["status", "--json"], { vault });
    const plugin = JSON.parse(status.stdout).agents.find((a: { name: string }) => a.name === "plugin");
    expect(plugin.last.details.problems).toEqual([
      "plugins/big/plugin.yml:1:1 (file): is 70.0 KiB, over the 64.0 KiB limit; not read",
    ]);
  });
});

test("problem lists show the first 20, then a count; every problem is still counted", async () => {
  const keys = Array.from({ length: 100 }, (_, i) => `typo${i}: 1`).join("\n");
  const vault = vaultWith({ "config/typos.yml": `${keys}\nagents:\n  disabled: [nonesuch]\n` });
  const status = await runEmber(["status"], { vault });
  const problems = status.stdout.split("\n").filter((line) => line.startsWith("    ! "));
  expect(problems).toHaveLength(21);
  expect(problems[0]).toBe("    ! config/typos.yml:1:1 typo0: unknown key");
  expect(problems[19]).toBe("    ! config/typos.yml:20:1 typo19: unknown key");
  expect(problems[20]).toBe("    ! … and 81 more problems");
  expect(status.stdout).toContain("config invalid (101 problems)");

  const json = JSON.parse((await runEmber(["status", "--json"], { vault })).stdout);
  expect(json.config.issueCount).toBe(101);
  expect(json.config.issues).toHaveLength(21);
});

describe("ember pane never leaves a pane without a shell", () => {
  const shellEnv = (vault: string) => ({ SHELL: "/bin/sh", HOME: vault, ENV: "", PS1: "shell$ " });

  test("with an alias bomb in the vault's config, the pane's REPL starts and says the config is invalid", async () => {
    const vault = vaultWith({ "config/bomb.yml": aliasBomb() });
    const { tmux } = await terminals.start(["pane"], { vault, env: shellEnv(vault) });
    await tmux.waitFor(/^ember> ?$/m, { timeoutMs: 30_000 });
    expect(await tmux.capture()).toContain("config invalid");
    await tmux.sendText("/quit");
    await tmux.sendKeys("Enter");
    await tmux.waitFor(/[#$] ?$/);
  });

  test("a REPL that cannot start: the pane says why and gives the login shell", async () => {
    const vault = terminals.freshVault();
    const { tmux } = await terminals.start(["pane"], {
      vault,
      env: { ...shellEnv(vault), EMBER_PANE_COMMAND: "echo 'ember: the vault disk is gone' >&2; exit 1" },
    });
    // Today's pane would restart it forever (1 s, 2 s, 4 s, 8 s …) with no shell unless asked.
    await tmux.waitFor(/[#$] ?$/, { timeoutMs: 12_000 });
    const screen = await tmux.capture();
    expect(screen).toContain("ember: the vault disk is gone");
    expect(screen).toContain("ember: the REPL cannot start (it exited with code 1 3 times in a row");
    await tmux.sendText("echo in-the-shell-$((40+2))");
    await tmux.sendKeys("Enter");
    await tmux.waitFor("in-the-shell-42");
  });
});
