import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EngineUnavailableError } from "./errors.ts";

/**
 * Where the engine of one user and vault listens:
 *   <tmp>/ember-<uid>/engine-<first 16 hex of sha256(absolute vault path)>.sock
 * The folder is the user's alone (0700): the socket inside is created 0755 by Bun, so the folder
 * is what keeps other users out; the socket is also set to 0600. A hash keeps the path under the
 * 108 bytes a Unix socket address allows, whatever the vault's path.
 */
export interface EnginePaths {
  folder: string;
  socket: string;
  /** Holds the running engine's pid: one engine per user and vault, even when two start at once. */
  pidFile: string;
  /** When the engine last started, to back off when it keeps restarting. */
  startsFile: string;
  /** The folder (in `folder`) where conversations' contexts wait while another one runs. */
  swapName: string;
}

export function enginePaths(
  vaultDir: string,
  uid: number = process.getuid?.() ?? 0,
  tmp = tmpdir(),
): EnginePaths {
  const folder = join(tmp, `ember-${uid}`);
  const key = createHash("sha256").update(resolve(vaultDir)).digest("hex").slice(0, 16);
  const base = join(folder, `engine-${key}`);
  return {
    folder,
    socket: `${base}.sock`,
    pidFile: `${base}.pid`,
    startsFile: `${base}.starts`,
    swapName: `engine-${key}.swap`,
  };
}

/**
 * Creates the socket folder (0700) or checks the one there: it must be a real folder (not a
 * symlink) owned by this user and closed to everyone else, or another user could have planted it
 * to catch the clients' questions.
 */
export function preparePrivateFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    // Something else is in the way: the check below says what.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stat = lstatSync(folder);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid))
    throw new EngineUnavailableError(`${folder} is not a folder of this user's; remove it`);
  if ((stat.mode & 0o077) !== 0) chmodSync(folder, 0o700);
}
