import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineClient } from "../../src/engine/client.ts";
import { enginePaths } from "../../src/engine/socket-path.ts";
import { emberEnv, MAIN } from "./ember-cli.ts";

export interface ServedEngine {
  vault: string;
  /** TMPDIR for every process of this engine's tests: its socket folder lives there. */
  tmp: string;
  socket: string;
  client: EngineClient;
  proc: Bun.Subprocess<"ignore", "ignore", "pipe">;
  /** emberEnv for clients of this engine (EMBER_ENGINE on, the same TMPDIR). */
  env(extra?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

/** A temp folder short enough for socket paths (108 bytes at most). */
export function shortTempDir(): string {
  return mkdtempSync(join(tmpdir(), "ee-"));
}

/** Writes `<vault>/config/engine.yml` with these `engine:` keys. */
export function writeEngineConfig(vault: string, keys: Record<string, string | number>): void {
  mkdirSync(join(vault, "config"), { recursive: true });
  const lines = Object.entries(keys).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  writeFileSync(join(vault, "config", "engine.yml"), `engine:\n${lines.join("\n")}\n`);
}

/** `bun src/main.ts serve` on `vault`, waited for until its socket answers. */
export async function serveEngine(vault: string, extra: Record<string, string> = {}): Promise<ServedEngine> {
  const tmp = shortTempDir();
  const env = (more: Record<string, string> = {}) =>
    emberEnv(vault, { EMBER_ENGINE: "on", TMPDIR: tmp, ...extra, ...more });
  const proc = Bun.spawn([process.execPath, MAIN, "serve"], {
    cwd: vault,
    env: env(),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const socket = enginePaths(vault, process.getuid?.(), tmp).socket;
  const client = new EngineClient(socket);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.status();
      break;
    } catch (error) {
      if (proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`ember serve did not start: ${await new Response(proc.stderr).text()} ${error}`);
      await Bun.sleep(50);
    }
  }
  return {
    vault,
    tmp,
    socket,
    client,
    proc,
    env,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Waits until `check` holds, polling; throws with `what` after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}
