import { afterAll, afterEach } from "bun:test";
import { rmSync } from "node:fs";
import { CI_ONLY, emberEnv, MAIN, tempVault } from "./ember-cli.ts";
import { TmuxSession } from "./tmux.ts";

export interface EmberTerminal {
  tmux: TmuxSession;
  vault: string;
}

export interface EmberTerminals {
  /** A new empty vault, removed after the file's tests. */
  freshVault(): string;
  /**
   * `ember ARGS` (from source) in a 100x30 tmux terminal with TERM=screen, on `vault` (a fresh one
   * unless given) as its vault, working folder and emberEnv; `env` is added on top.
   */
  start(args: string[], options?: { vault?: string; env?: Record<string, string> }): Promise<EmberTerminal>;
}

/**
 * Ember in real terminals for one test file. Call it at the file's top level: it registers the
 * hooks that kill every session a test started once that test ends, and remove the vaults once the
 * file is done.
 */
export function emberTerminals(): EmberTerminals {
  const vaults: string[] = [];
  const sessions: TmuxSession[] = [];
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.kill();
  });
  afterAll(() => {
    for (const vault of vaults) rmSync(vault, { recursive: true, force: true });
  });
  const freshVault = () => {
    const vault = tempVault();
    vaults.push(vault);
    return vault;
  };
  return {
    freshVault,
    async start(args, options = {}) {
      const vault = options.vault ?? freshVault();
      const tmux = await TmuxSession.start({
        command: [process.execPath, MAIN, ...args],
        env: emberEnv(vault, { TERM: "screen", ...options.env }),
        // The tmux server keeps this process's environment; emberEnv alone cannot take these out.
        unset: [...CI_ONLY],
        cwd: vault,
        width: 100,
        height: 30,
      });
      sessions.push(tmux);
      return { tmux, vault };
    },
  };
}
