import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HEALTHY_RUN_MS, restartDelayMs } from "../../src/cli/pane.ts";
import { type EmberTerminal, emberTerminals } from "../helpers/ember-terminals.ts";
import type { TmuxSession } from "../helpers/tmux.ts";

const terminals = emberTerminals();

/** `ember pane` in a real terminal, with /bin/sh as the login shell and an empty home. */
function startPane(extraEnv: Record<string, string>): Promise<EmberTerminal> {
  const vault = terminals.freshVault();
  return terminals.start(["pane"], {
    vault,
    env: { SHELL: "/bin/sh", HOME: vault, ENV: "", PS1: "shell$ ", ...extraEnv },
  });
}

/** Waits for the shell's prompt (typing earlier could be flushed as the REPL leaves raw mode), then runs a command. */
async function inShell(session: TmuxSession): Promise<void> {
  await session.waitFor(/[#$] ?$/);
  await session.sendText("echo in-the-shell-$((40+2))");
  await session.sendKeys("Enter");
  await session.waitFor("in-the-shell-42");
}

function logEntries(vault: string): { msg?: string; [key: string]: unknown }[] {
  return readFileSync(join(vault, "logs", "ember.log"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("restart backoff", () => {
  test("1 s, 2 s, 4 s, … capped at 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(HEALTHY_RUN_MS).toBe(60_000);
  });
});

describe("ember pane in a real terminal", () => {
  test("EMBER_SKIP_AUTO_REPL=1 gives the login shell at once, no REPL", async () => {
    const { tmux } = await startPane({ EMBER_SKIP_AUTO_REPL: "1" });
    await inShell(tmux);
    expect(await tmux.capture()).not.toContain("ember>");
  });

  test("the REPL first; leaving it with /quit gives the login shell; the shell's exit ends the pane", async () => {
    const { tmux } = await startPane({});
    await tmux.waitFor(/^ember> ?$/m, { timeoutMs: 30_000 });
    await tmux.sendText("/quit");
    await tmux.sendKeys("Enter");
    await inShell(tmux);
    await tmux.sendText("exit 7");
    await tmux.sendKeys("Enter");
    expect(await tmux.waitForExit()).toBe(7);
  });

  test("a crashing REPL is restarted after 1 s, then 2 s, and each crash is logged", async () => {
    // Crashes twice (exit 3, then SIGKILL), then exits cleanly: the shell follows.
    const script = [
      'n=$(cat "$VAULT_DIR/attempts" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$VAULT_DIR/attempts"',
      'echo "attempt $n"',
      "if [ $n -eq 1 ]; then exit 3; fi",
      "if [ $n -eq 2 ]; then kill -KILL $$; fi",
      "exit 0",
    ].join("; ");
    const { tmux, vault } = await startPane({ EMBER_PANE_COMMAND: script });
    await tmux.waitFor("attempt 3");
    const screen = await tmux.capture();
    expect(screen).toContain("the REPL exited with code 3; restarting in 1s (Ctrl-C for a shell)");
    expect(screen).toContain("the REPL was killed by SIGKILL; restarting in 2s");
    await inShell(tmux);

    const crashes = logEntries(vault).filter((e) => e.msg === "repl crashed");
    expect(crashes).toHaveLength(2);
    expect(crashes.map((e) => JSON.stringify(e))).toEqual([
      expect.stringContaining('"code":3'),
      expect.stringContaining('"signal":"SIGKILL"'),
    ]);
    expect(JSON.stringify(crashes[0])).toContain('"restartInMs":1000');
    expect(JSON.stringify(crashes[1])).toContain('"restartInMs":2000');
  });

  test("Ctrl-C while waiting to restart gives the shell instead", async () => {
    const { tmux, vault } = await startPane({ EMBER_PANE_COMMAND: "echo broken; exit 9" });
    await tmux.waitFor("restarting in 1s");
    await tmux.sendKeys("C-c");
    await inShell(tmux);
    const screen = await tmux.capture();
    expect(screen.match(/broken/g)?.length ?? 0).toBeLessThanOrEqual(2);
    expect(logEntries(vault).some((e) => e.msg === "repl restart skipped: shell requested")).toBe(true);
  });

  test("terminated: the signal reaches the REPL and the pane ends, with no restart and no shell", async () => {
    const { tmux, vault } = await startPane({
      EMBER_PANE_COMMAND: 'echo "repl $$ under $PPID running"; exec sleep 600',
    });
    const [childPid, pane] = pidsOn(await tmux.waitFor(/repl \d+ under \d+ running/));
    process.kill(pane, "SIGTERM");
    expect(await tmux.waitForExit()).toBe(143);
    expect(alive(childPid)).toBe(false);
    expect(readLog(vault)).not.toContain("repl crashed");
  });

  test("a closed pane (hangup) ends it instead of restarting the REPL forever", async () => {
    const { tmux } = await startPane({
      EMBER_PANE_COMMAND: 'echo "repl $$ under $PPID running"; exec sleep 600',
    });
    const [childPid, pane] = pidsOn(await tmux.waitFor(/repl \d+ under \d+ running/));
    await tmux.kill();
    for (let i = 0; i < 200 && (alive(pane) || alive(childPid)); i++) await Bun.sleep(50);
    expect(alive(pane)).toBe(false);
    expect(alive(childPid)).toBe(false);
  });
});

/** The fake REPL's pid and its parent's (the `ember pane` process), from what it printed. */
function pidsOn(screen: string): [number, number] {
  const match = /repl (\d+) under (\d+) running/.exec(screen);
  const pids: [number, number] = [Number(match?.[1]), Number(match?.[2])];
  expect(pids.every((pid) => pid > 1 && alive(pid))).toBe(true);
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readLog(vault: string): string {
  try {
    return readFileSync(join(vault, "logs", "ember.log"), "utf8");
  } catch {
    return "";
  }
}
