import { mkdirSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { defineCommand } from "citty";
import template from "../../templates/tmux.conf" with { type: "text" };
import { loadConfig } from "../config/load.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { quoteTmuxArgument } from "../hud/tmux.ts";
import { emberArgv, shellQuote } from "./ember-argv.ts";

/** `ember tmux` was run inside tmux: attaching would nest one tmux in another. */
export class NestedTmuxError extends Error {
  override readonly name = "NestedTmuxError";
  constructor(session: string) {
    super(
      `already inside tmux: not nesting a tmux session in another. Detach first (prefix d), or switch with \`tmux switch-client -t ${session}\`.`,
    );
  }
}

/** The template with the command every pane runs (`ember pane`) filled in, for `tmux -f`. */
export function renderTmuxConf(paneCommand: string[]): string {
  const shellLine = paneCommand.map(shellQuote).join(" ");
  return template.replaceAll("@EMBER_PANE_COMMAND@", quoteTmuxArgument(shellLine));
}

/** Writes the rendered config into the vault's state/ (else a per-user temp folder); returns its path. */
export function writeTmuxConf(vaultDir: string, text: string): string {
  const places = [join(vaultDir, "state"), join(tmpdir(), `ember-${userInfo().uid}`)];
  let lastError: unknown;
  for (const dir of places) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, "tmux.conf");
      writeFileAtomic(file, text);
      return file;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * The tmux argv that creates the session or attaches to it. `-f` applies when this starts the
 * server; `source-file` applies the same config to a server that was already running.
 */
export function tmuxSessionArgv(tmux: string, configFile: string, session: string): string[] {
  // -u: Ember writes UTF-8; without it tmux in a C locale (no LANG at boot) draws "_" instead.
  return [
    tmux,
    "-u",
    "-f",
    configFile,
    "start-server",
    ";",
    "source-file",
    configFile,
    ";",
    "new-session",
    "-A",
    "-s",
    session,
  ];
}

export default defineCommand({
  meta: {
    name: "tmux",
    description:
      "create or attach Ember's tmux session (every pane runs the REPL; the status line shows the HUD)",
  },
  async run() {
    const env = process.env;
    const settings = loadConfig({ env, cwd: process.cwd() });
    const session = settings.config.hud.session;
    if (env.TMUX) {
      process.stderr.write(`ember tmux: ${new NestedTmuxError(session).message}\n`);
      process.exit(1);
    }
    const tmux = Bun.which("tmux", { PATH: env.PATH ?? "" });
    if (!tmux) {
      process.stderr.write("ember tmux: tmux is not installed; starting the REPL without the HUD.\n");
      process.exit(await runInherited([...emberArgv(), "repl"]));
    }
    const configFile = writeTmuxConf(settings.vaultDir, renderTmuxConf([...emberArgv(), "pane"]));
    process.exit(await runInherited(tmuxSessionArgv(tmux, configFile, session)));
  },
});

async function runInherited(argv: string[]): Promise<number> {
  const proc = Bun.spawn(argv, { stdio: ["inherit", "inherit", "inherit"] });
  // The terminal's Ctrl-C belongs to the child (tmux, or the REPL); this process only waits.
  process.on("SIGINT", () => {});
  return await proc.exited;
}
