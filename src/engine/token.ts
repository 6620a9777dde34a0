import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from "node:fs";
import { dirname, join } from "node:path";
import type { App } from "../app.ts";
import { expandPath } from "../config/paths.ts";
import { writeFileAtomic } from "../fs/atomic-write.ts";

/** A token is 43 characters; anything past this is not a token file. */
const MAX_TOKEN_FILE_BYTES = 4096;

/** `engine.tokenFile`, else `<vault>/state/engine.token`. */
export function tokenFilePath(app: App): string {
  const setting = app.settings.config.engine.tokenFile;
  return setting ? expandPath(setting, app.cwd) : join(app.settings.vaultDir, "state", "engine.token");
}

/** Creates the token file (0600) unless it exists; returns whether it was created. */
export function initToken(path: string): boolean {
  try {
    readToken(path);
    return false;
  } catch {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, `${randomBytes(32).toString("base64url")}\n`, 0o600);
    return true;
  }
}

/** The token in `path`; throws a one-line Error if it is missing, empty, too big or readable by others. */
export function readToken(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new Error(
      `${path}: ${(error as NodeJS.ErrnoException).code ?? error} (ember serve --init-token creates it)`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if ((stat.mode & 0o077) !== 0) throw new Error(`${path}: readable by others; chmod 600 it`);
    if (stat.size > MAX_TOKEN_FILE_BYTES)
      throw new Error(`${path}: larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
    const buffer = Buffer.alloc(MAX_TOKEN_FILE_BYTES);
    const token = buffer.subarray(0, readSync(fd, buffer)).toString("utf8").trim();
    if (token.length < 16) throw new Error(`${path}: expected a token of at least 16 characters`);
    return token;
  } finally {
    closeSync(fd);
  }
}
