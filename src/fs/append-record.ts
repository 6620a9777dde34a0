/**
 * Appends whole records (lines ending in "\n") to a file several Ember processes append to: the
 * log, the input history, conversation transcripts. The file only ever holds whole records:
 *
 * - a write that fails midway (a full disk) is truncated back to where the file ended;
 * - a torn last line left by an earlier crash is cut back to the last whole line before anything
 *   is appended, so a new record never joins a broken one.
 *
 * Everything happens under the file's lock (`<file>.lock`), so the end of the file seen here is
 * the end the write lands on, and two processes never cut each other's records.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { withFileLock } from "./file-lock.ts";

/** The lock that guards `file`'s appends (and anything else that rewrites it, such as rotation). */
export function lockFileFor(file: string): string {
  return `${file}.lock`;
}

/** Appends `text` (one or more records, each ending in "\n") to `file` under its lock. */
export function appendRecords(file: string, text: string, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true });
  withFileLock(lockFileFor(file), () => appendWholeRecords(file, text, mode));
}

/**
 * As appendRecords, without taking the lock: for a caller that already holds it, or a file only
 * this process writes (a session's own transcript).
 */
export function appendWholeRecords(file: string, text: string, mode = 0o644): void {
  const fd = openSync(file, "a+", mode);
  try {
    const end = wholeEnd(fd, fstatSync(fd).size);
    const bytes = Buffer.from(text);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      ftruncateSync(fd, end);
      throw error;
    }
  } finally {
    closeSync(fd);
  }
}

const TAIL_CHUNK = 4096;

/** Where the last whole record ends; a torn tail after it is cut off. */
function wholeEnd(fd: number, size: number): number {
  if (size === 0) return 0;
  const buffer = Buffer.alloc(TAIL_CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const n = readSync(fd, buffer, 0, end - start, start);
    const newline = buffer.subarray(0, n).lastIndexOf(0x0a);
    if (newline >= 0) {
      const whole = start + newline + 1;
      if (whole < size) ftruncateSync(fd, whole);
      return whole;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return 0;
}
