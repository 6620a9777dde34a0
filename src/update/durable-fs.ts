import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { NoSpaceError, NotWritableError } from "./errors.ts";

/** Flushes a file's data to the disk, so a power cut after this cannot leave it half-written. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries, so a rename inside it survives a power cut. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes via a temp file in the same folder, fsyncs it, renames it over `path` and fsyncs the folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(temp, data, { mode });
    fsyncFile(temp);
    renameSync(temp, path);
  } catch (error) {
    if (existsSync(temp)) rmSync(temp, { force: true });
    throw explainFsError(error, path);
  }
  fsyncDir(dirname(path));
}

/**
 * Turns the file-system errors an operator can fix into named update errors with a clear message;
 * anything else is returned unchanged.
 */
export function explainFsError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EROFS") return new NotWritableError(`cannot write ${path}: the file system is read-only`);
  if (code === "EACCES" || code === "EPERM")
    return new NotWritableError(`cannot write ${path}: permission denied`);
  if (code === "ENOSPC" || code === "EDQUOT")
    return new NoSpaceError(`cannot write ${path}: no space left on device`);
  return error;
}

/** Fails early, before any byte is fetched, when the folder's file system cannot hold `bytes` more. */
export function ensureFreeSpace(dir: string, bytes: number): void {
  const stats = statfsSync(dir);
  const available = stats.bavail * stats.bsize;
  if (available < bytes) {
    throw new NoSpaceError(
      `not enough space in ${dir}: ${formatMiB(bytes)} needed, ${formatMiB(available)} available`,
    );
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
