import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { collectOutput, type ProcessOutput } from "./subprocess.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const MAIN = join(REPO, "src", "main.ts");

/** Set by CI runners, never on the appliance; citty turns its help colours off when it sees them. */
export const CI_ONLY = new Set(["CI", "TEST"]);

/**
 * The environment every Ember subprocess in the tests gets: its own vault, one thread, no system
 * file, and no engine (EMBER_ENGINE=off: each runs in-process, so the suite does not leave
 * `ember serve` processes behind); engine tests pass `EMBER_ENGINE: "on"` in `extra`.
 */
export function emberEnv(vault: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("LLAMA_") && !k.startsWith("EMBER_") && !CI_ONLY.has(k)) env[k] = v;
  return {
    ...env,
    VAULT_DIR: vault,
    EMBER_SYSTEM_CONFIG: "/nonexistent",
    LLAMA_CPP_THREADS: "1",
    NO_COLOR: "",
    EMBER_ENGINE: "off",
    ...extra,
  };
}

/** Makes temp vaults on demand; every one is removed after the calling file's tests. */
export function tempVaults(): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const vault of made) rmSync(vault, { recursive: true, force: true });
  });
  return () => {
    const vault = tempVault();
    made.push(vault);
    return vault;
  };
}

/** Any escape code: what output to a pipe must not contain. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape codes is the point.
export const ESCAPES = /\x1b/;

export function tempVault(): string {
  return mkdtempSync(join(tmpdir(), "ember-e2e-"));
}

/** Runs `bun src/main.ts ARGS` with `stdin` piped in; returns its output and exit code. */
export async function runEmber(
  args: string[],
  options: {
    vault: string;
    stdin?: string | Uint8Array;
    env?: Record<string, string>;
    cwd?: string;
    /** Kill it (SIGKILL) after this long: a fault test must not leave a runaway behind when it fails. */
    timeoutMs?: number;
  },
): Promise<ProcessOutput> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    timeout: options.timeoutMs,
    killSignal: "SIGKILL",
    cwd: options.cwd ?? options.vault,
    env: emberEnv(options.vault, options.env),
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  return collectOutput(proc);
}
