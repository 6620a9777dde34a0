import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Replaces `path` so that a reader (or a crash) sees either the old file or the whole new one:
 * write a temp file in the same folder, fsync it, rename over the target, fsync the folder.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileDurably(temp, typeof data === "string" ? Buffer.from(data) : data, mode);
    renameSync(temp, path);
    syncDirectory(dir);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Creates `path` (it must not exist) with `bytes`, and fsyncs it before returning. */
export function writeFileDurably(path: string, bytes: Uint8Array, mode = 0o644): void {
  const fd = openSync(path, "wx", mode);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a file's data to the disk, so a power cut after this cannot leave it half-written. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename durable: the directory entry itself must reach the disk. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
