import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderTmuxConf, tmuxSessionArgv, writeTmuxConf } from "../../src/cli/tmux.ts";
import { REPO, runEmber, tempVault } from "../helpers/ember-cli.ts";
import { collectOutput } from "../helpers/subprocess.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-tmux-cli-"));
  dirs.push(dir);
  return dir;
}

/** tmux renames windows on its own timer: wait for it (a few seconds at most). */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for tmux");
    await Bun.sleep(100);
  }
}

async function tmuxCommand(args: string[]): Promise<string> {
  const proc = Bun.spawn(["tmux", ...args], { stdout: "pipe", stderr: "pipe" });
  const { stdout, stderr, code } = await collectOutput(proc);
  if (code !== 0) throw new Error(`tmux ${args.join(" ")}: ${stderr}`);
  return stdout;
}

describe("the rendered tmux.conf", () => {
  test("every pane runs `ember pane`; the argv is quoted for the shell and for tmux", () => {
    const conf = renderTmuxConf(["/opt/my ember/bun", "/src/it's/main.ts", "pane"]);
    expect(conf).not.toContain("@EMBER_PANE_COMMAND@");
    expect(conf).toContain(`set -g default-command "'/opt/my ember/bun' '/src/it'\\\\''s/main.ts' pane"`);
  });

  test("a real tmux loads it: status-right reads @ember_hud, default-command is ember pane, appliance defaults", async () => {
    const dir = tempDir();
    const file = join(dir, "tmux.conf");
    writeFileSync(file, renderTmuxConf(["/usr/bin/ember", "pane"]));
    const socket = `ember-conf-${process.pid}`;
    try {
      await tmuxCommand(["-L", socket, "-f", file, "new-session", "-d", "-s", "ember", "sleep 60"]);
      const show = (option: string) => tmuxCommand(["-L", socket, "show-options", "-gv", option]);
      const statusRight = () =>
        tmuxCommand(["-L", socket, "display-message", "-p", "-t", "ember", "#{T:status-right}"]);
      expect(await show("status-right")).toContain("#{@ember_hud}");
      expect((await show("default-command")).trim()).toBe("/usr/bin/ember pane");
      expect((await show("mouse")).trim()).toBe("on");
      expect((await show("default-terminal")).trim()).toContain("256color");
      expect(Number(await show("history-limit"))).toBeGreaterThanOrEqual(10000);
      // With no REPL publishing, the status line still names the session and the time.
      const empty = await statusRight();
      expect(empty).toContain("ember | no Ember REPL running |");
      await tmuxCommand(["-L", socket, "set", "-g", "@ember_hud", "#[fg=green]ok, fine#[fg=default]"]);
      const shown = await statusRight();
      expect(shown).toContain("ok, fine");
      expect(shown).not.toContain("no Ember REPL");
      // A window whose pane runs Ember (a bun process: `bun` from a checkout, `bun.exe` as npm
      // installs it) is named "ember" once it writes something, as the REPL does at once.
      const windowName = (target: string) =>
        tmuxCommand(["-L", socket, "display-message", "-p", "-t", target, "#{window_name}"]).then((n) =>
          n.trim(),
        );
      const ticking = `${process.execPath} -e 'setInterval(() => console.log("tick"), 200)'`;
      await tmuxCommand(["-L", socket, "new-window", "-d", "-t", "ember:7", ticking]);
      await waitUntil(async () => (await windowName("ember:7")) === "ember");
      // Anything else keeps its own name.
      await tmuxCommand([
        "-L",
        socket,
        "new-window",
        "-d",
        "-t",
        "ember:8",
        "while :; do echo tick; sleep 0.2; done",
      ]);
      await waitUntil(async () => ["sh", "bash", "sleep"].includes(await windowName("ember:8")));
    } finally {
      await tmuxCommand(["-L", socket, "kill-server"]).catch(() => "");
    }
  });

  test("written atomically into the vault's state/; an unusable vault falls back to a temp folder", () => {
    const vault = tempDir();
    const file = writeTmuxConf(vault, "set -g mouse on\n");
    expect(file).toBe(join(vault, "state", "tmux.conf"));
    expect(readFileSync(file, "utf8")).toBe("set -g mouse on\n");
    const notAFolder = join(tempDir(), "file");
    writeFileSync(notAFolder, "");
    const fallback = writeTmuxConf(notAFolder, "x\n");
    expect(fallback.startsWith(tmpdir())).toBe(true);
    expect(readFileSync(fallback, "utf8")).toBe("x\n");
  });

  test("one tmux call: start the server with the config, apply it to a running one, create or attach", () => {
    expect(tmuxSessionArgv("/usr/bin/tmux", "/v/state/tmux.conf", "ember")).toEqual([
      "/usr/bin/tmux",
      "-u",
      "-f",
      "/v/state/tmux.conf",
      "start-server",
      ";",
      "source-file",
      "/v/state/tmux.conf",
      ";",
      "new-session",
      "-A",
      "-s",
      "ember",
    ]);
  });
});

describe("ember tmux", () => {
  test("refuses to nest inside tmux and says what to do instead", async () => {
    const vault = tempVault();
    dirs.push(vault);
    const result = await runEmber(["tmux"], { vault, env: { TMUX: "/tmp/tmux-0/default,1,0" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("already inside tmux");
    expect(result.stderr).toContain("tmux switch-client -t ember");
  });

  test("without tmux: says so and runs the REPL, whose /status names the missing HUD", async () => {
    const vault = tempVault();
    dirs.push(vault);
    const noTmux = tempDir();
    const result = await runEmber(["tmux"], { vault, env: { PATH: noTmux }, stdin: "/status\n" });
    expect(result.stderr).toContain("tmux is not installed; starting the REPL without the HUD");
    expect(result.stdout).toContain("tmux is not installed: no HUD");
    expect(result.code).toBe(0);
  });
});

describe("templates/profile.sh", () => {
  const profile = join(REPO, "templates", "profile.sh");

  /** Sources the snippet in `sh` with a fake `ember` that records how it was called. */
  async function login(options: { interactive: boolean; env: Record<string, string> }): Promise<string> {
    const dir = tempDir();
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "ember"), `#!/bin/sh\necho "ember $*" >> "${dir}/calls"\n`);
    chmodSync(join(bin, "ember"), 0o755);
    const env: Record<string, string> = { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ...options.env };
    const flags = options.interactive ? ["-i", "-c"] : ["-c"];
    const proc = Bun.spawn(["sh", ...flags, `. "${profile}"; echo after`], {
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(out).toContain("after");
    const calls = Bun.file(join(dir, "calls"));
    return (await calls.exists()) ? await calls.text() : "";
  }

  test("an interactive SSH login runs `ember tmux`, and the login shell goes on after it", async () => {
    expect(await login({ interactive: true, env: { SSH_TTY: "/dev/pts/3" } })).toBe("ember tmux\n");
  });

  test("EMBER_SKIP_AUTO_TMUX=1, an existing tmux, a non-interactive shell or another terminal: nothing", async () => {
    expect(
      await login({ interactive: true, env: { SSH_TTY: "/dev/pts/3", EMBER_SKIP_AUTO_TMUX: "1" } }),
    ).toBe("");
    expect(await login({ interactive: true, env: { SSH_TTY: "/dev/pts/3", TMUX: "/tmp/t,1,0" } })).toBe("");
    expect(await login({ interactive: false, env: { SSH_TTY: "/dev/pts/3" } })).toBe("");
    expect(await login({ interactive: true, env: {} })).toBe("");
  });

  test("EMBER_BIN names another ember; a missing one is skipped quietly", async () => {
    expect(
      await login({ interactive: true, env: { SSH_TTY: "/dev/pts/3", EMBER_BIN: "/nonexistent/ember" } }),
    ).toBe("");
  });
});
