import { closeSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { emberArgv } from "../cli/ember-argv.ts";
import { readTailLinesInside } from "../fs/safe-open.ts";
import { EngineClient } from "./client.ts";
import { EngineUnavailableError } from "./errors.ts";
import { type EnginePaths, enginePaths, preparePrivateFolder } from "./socket-path.ts";

/** A started engine answers within this long: it listens before it loads the model. */
const START_TIMEOUT_MS = 20_000;
const POLL_MS = 50;

/** `--no-engine` (main.ts turns it into this) or EMBER_ENGINE=off: everything in-process. */
export function engineWanted(env: Record<string, string | undefined>): boolean {
  return env.EMBER_ENGINE !== "off";
}

/** The engine of this user and vault if one answers on its socket now; otherwise undefined. */
export async function findEngine(vaultDir: string): Promise<EngineClient | undefined> {
  const client = new EngineClient(enginePaths(vaultDir).socket);
  try {
    await client.status();
    return client;
  } catch {
    return undefined;
  }
}

/**
 * The engine of this user and vault: the one answering on the socket, or one started now as a
 * detached `ember serve` (this same binary, or `bun src/main.ts serve` from a checkout; `ember`
 * names another, as after an upgrade). Throws EngineUnavailableError with the reason in one line
 * when none can be had.
 */
export async function startEngine(
  vaultDir: string,
  env: Record<string, string | undefined>,
  ember: string[] = emberArgv(),
): Promise<EngineClient> {
  const found = await findEngine(vaultDir);
  if (found) return found;
  const paths = enginePaths(vaultDir);
  preparePrivateFolder(paths.folder);
  const errFile = join(paths.folder, `${basenameOf(paths.socket)}.err`);
  const errFd = openSync(errFile, "w", 0o600);
  let exited: number | undefined;
  try {
    // --no-wait: if another starter won the race, this one leaves instead of waiting in the background.
    const child = Bun.spawn([...ember, "serve", "--no-wait"], {
      env: { ...env, EMBER_ENGINE: "on" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: errFd,
      detached: true,
      onExit: (_proc, code) => {
        exited = code ?? 1;
      },
    });
    child.unref();
  } finally {
    closeSync(errFd);
  }
  return waitForEngine(paths, () => exited, errFile);
}

async function waitForEngine(paths: EnginePaths, exited: () => number | undefined, errFile: string) {
  const client = new EngineClient(paths.socket);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      await client.status();
      return client;
    } catch {
      // Not listening yet.
    }
    const code = exited();
    // Exit 0: another engine won the race for this vault; it answers in a moment.
    if (code !== undefined && code !== 0)
      throw new EngineUnavailableError(`ember serve exited with ${code}${lastLine(errFile)}`);
    await Bun.sleep(POLL_MS);
  }
  throw new EngineUnavailableError(
    `ember serve did not answer on ${paths.socket} within ${START_TIMEOUT_MS / 1000} s`,
  );
}

function lastLine(file: string): string {
  try {
    // Only its end: a start that failed loudly can have written a lot.
    const line = readTailLinesInside(file, { root: dirname(file), maxBytes: 2000 })
      .lines.at(-1)
      ?.trim();
    return line ? `: ${line}` : "";
  } catch {
    return "";
  }
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1).replace(/\.sock$/, "");
}
