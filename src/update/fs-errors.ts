import { statfsSync } from "node:fs";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { fsErrorReason } from "../fs/fs-error.ts";
import { formatBytes } from "../terminal/bytes.ts";
import { NoSpaceError, NotWritableError } from "./errors.ts";

/** writeFileAtomic (src/fs/atomic-write.ts), with the errors an operator can fix named. */
export function writeUpdateFile(path: string, data: string | Uint8Array, mode = 0o644): void {
  try {
    writeFileAtomic(path, data, mode);
  } catch (error) {
    throw explainFsError(error, path);
  }
}

/**
 * Turns the file-system errors an operator can fix into named update errors with a clear message;
 * anything else is returned unchanged.
 */
export function explainFsError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = `cannot write ${path}: ${fsErrorReason(error)}`;
  if (code === "EROFS" || code === "EACCES" || code === "EPERM") return new NotWritableError(message);
  if (code === "ENOSPC" || code === "EDQUOT") return new NoSpaceError(message);
  return error;
}

/** Fails early, before any byte is fetched, when the folder's file system cannot hold `bytes` more. */
export function ensureFreeSpace(dir: string, bytes: number): void {
  const stats = statfsSync(dir);
  const available = stats.bavail * stats.bsize;
  if (available < bytes) {
    throw new NoSpaceError(
      `not enough space in ${dir}: ${formatBytes(bytes)} needed, ${formatBytes(available)} available`,
    );
  }
}
