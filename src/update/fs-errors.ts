import { statfsSync } from "node:fs";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { explainWriteError, type WriteProblem } from "../fs/fs-error.ts";
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

const UPDATE_ERRORS: Record<WriteProblem, new (message: string) => Error> = {
  "not-writable": NotWritableError,
  "no-space": NoSpaceError,
};

/**
 * Turns the file-system errors an operator can fix into named update errors (the words are
 * fs/fs-error.ts's); anything else is returned unchanged.
 */
export function explainFsError(error: unknown, path: string): unknown {
  const explained = explainWriteError(error, path);
  return explained ? new UPDATE_ERRORS[explained.problem](explained.message) : error;
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
