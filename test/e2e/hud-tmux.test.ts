import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { emberEnv, MAIN, tempVault } from "../helpers/ember-cli.ts";
import { collectOutput } from "../helpers/subprocess.ts";
import { TmuxSession } from "../helpers/tmux.ts";

// `ember tmux` run by an operator: the outer tmux (the test harness) is their terminal; the inner
// server is Ember's own, on a private TMUX_TMPDIR so it never meets the user's tmux.
const dirs: string[] = [];
let outer: TmuxSession | undefined;
let innerSocket: string | undefined;
afterEach(async () => {
  if (innerSocket) await inner(["kill-server"]).catch(() => "");
  innerSocket = undefined;
  await outer?.kill();
  outer = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function inner(args: string[]): Promise<string> {
  const proc = Bun.spawn(["tmux", "-S", innerSocket ?? "", ...args], { stdout: "pipe", stderr: "pipe" });
  const { stdout, stderr, code } = await collectOutput(proc);
  if (code !== 0) throw new Error(`tmux ${args.join(" ")}: ${stderr}`);
  return stdout.replace(/\n$/, "");
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

const statusLine = async (session: TmuxSession) => (await session.capture()).split("\n").at(-1) ?? "";

describe("ember tmux, end to end", () => {
  test("creates the session with the rendered config; the status line shows the HUD the REPL pushes", async () => {
    const vault = tempVault();
    const tmuxDir = mkdtempSync(join(tmpdir(), "ember-tmuxdir-"));
    dirs.push(vault, tmuxDir);
    innerSocket = join(tmuxDir, `tmux-${userInfo().uid}`, "default");
    outer = await TmuxSession.start({
      command: ["env", "-u", "TMUX", "-u", "TMUX_PANE", process.execPath, MAIN, "tmux"],
      env: emberEnv(vault, { TMUX_TMPDIR: tmuxDir, TERM: "screen", SHELL: "/bin/sh", HOME: vault, ENV: "" }),
      cwd: vault,
      width: 150,
      height: 30,
    });

    // The first pane runs `ember pane`, which runs the REPL.
    await outer.waitFor(/^ember> ?$/m, { timeoutMs: 30_000 });
    expect(await inner(["show-options", "-gv", "status-right"])).toContain("#{@ember_hud}");
    expect(await inner(["show-options", "-gv", "default-command"])).toMatch(/ pane$/);
    expect(await inner(["display-message", "-p", "#{session_name}"])).toBe("ember");

    // Once the boot agents report, the HUD names the session and the health, and tmux draws it.
    const hud = await until("the HUD after boot", async () => {
      const value = await inner(["show-options", "-gqv", "@ember_hud"]);
      return /\](ok|degraded|failed)#\[/.test(value) ? value : undefined;
    });
    expect(hud).toContain("ember");
    expect(hud).toContain("no model");
    const drawn = await until("the status line to show the HUD", async () => {
      const line = await statusLine(outer as TmuxSession);
      return line.includes("no model") ? line : undefined;
    });
    expect(drawn).toMatch(
      /ember \| \S+ \| (ok|degraded|failed) \| no model \| mem [\d.]+\/[\d.]+G .*\d\d:\d\d/,
    );
    expect(drawn).not.toContain("#[");
    const firstLeader = await inner(["show-options", "-gqv", "@ember_hud_leader"]);
    const firstPid = firstLeader.split("-")[0];

    // A new window runs another REPL; it claims the HUD, and the two share it through one option.
    await inner(["new-window", "-t", "ember"]);
    await outer.waitFor(/^ember> ?$/m, { timeoutMs: 30_000 });
    const secondLeader = await until("the new REPL to claim the HUD", async () => {
      const leader = await inner(["show-options", "-gqv", "@ember_hud_leader"]);
      return leader && leader !== firstLeader ? leader : undefined;
    });
    expect(secondLeader.split("-")[0]).not.toBe(firstPid);
    const controlClients = (await inner(["list-clients", "-F", "#{client_control_mode}"])).split("\n");
    expect(controlClients.filter((c) => c === "1")).toHaveLength(2);

    // Leaving the second REPL gives its login shell; the first REPL takes the HUD back.
    await outer.sendText("/quit");
    await outer.sendKeys("Enter");
    await outer.waitFor(/^[#$] ?$/m);
    await until("the first REPL to lead again", async () =>
      (await inner(["show-options", "-gqv", "@ember_hud_leader"])) === firstLeader ? true : undefined,
    );

    // In that shell (inside Ember's tmux): `ember hud` prints the line with the session, and
    // `ember tmux` refuses to nest.
    await outer.sendText(`clear; '${process.execPath}' '${MAIN}' hud`);
    await outer.sendKeys("Enter");
    await outer.waitFor(/^ember \| .* \| no model \| .*\d\d:\d\d$/m);
    await outer.sendText(`'${process.execPath}' '${MAIN}' tmux; echo "exit=$?"`);
    await outer.sendKeys("Enter");
    await outer.waitFor("exit=1");
    expect(await outer.capture({ joinWrapped: true })).toContain("already inside tmux: not nesting");
  }, 180_000);
});
