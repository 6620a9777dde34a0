/**
 * Reads a file the operator (or an attacker with write access to a shared folder) controls, without
 * ever leaving the folder it belongs to and without parsing more than a set number of bytes.
 *
 * Checking a path and then opening it by name is a race: the file can be swapped for a symlink in
 * between. So the check is made on what was actually opened: the final component is opened with
 * O_NOFOLLOW, and the descriptor's own path (`/proc/self/fd/N`) must lie inside the root. Size and
 * type come from fstat on the same descriptor. A symlink whose target stays inside the root is
 * still allowed: its target is resolved and opened (again with O_NOFOLLOW) and checked the same way.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { sep } from "node:path";
import { formatBytes } from "../terminal/bytes.ts";

/** The file cannot be read safely; `reason` is one line for the operator, without the path. */
export class UnsafeFileError extends Error {
  override readonly name = "UnsafeFileError";
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(`${path}: ${reason}`, options);
  }

  /** The file is simply not there (yet): for most readers, not a problem worth a line. */
  get missing(): boolean {
    return codeOf(this.cause) === "ENOENT";
  }
}

export interface SafeReadOptions {
  /** The folder the file must stay inside (after every symlink is resolved). */
  root: string;
  /** Larger files are refused before a byte is read. */
  maxBytes: number;
  /** How the root is named in the refusal; "the vault" unless told. */
  rootName?: string;
}

// O_NONBLOCK: opening a FIFO planted in the vault must not hang the reader; regular files ignore it.
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const FOLLOW = constants.O_RDONLY | constants.O_NONBLOCK;

/** Reads `path`, which must resolve to a regular file inside `root`, of at most `maxBytes`. */
export function readFileInside(path: string, options: SafeReadOptions): Buffer {
  return withFileInside(path, options, (fd, info) => {
    checkSize(path, info, options.maxBytes);
    return readRange(path, fd, 0, info.size);
  });
}

/** The whole lines at the end of a file, and how many bytes before them were not read. */
export interface FileTail {
  lines: string[];
  skipped: number;
}

/**
 * The newest records of an append-only file of lines inside `root` (a history, a transcript): a
 * file over `maxBytes` is not refused but read from `maxBytes` before its end, and the line cut
 * there is dropped. Empty lines are left out; bytes that are not UTF-8 are replaced, not fatal.
 */
export function readTailLinesInside(path: string, options: SafeReadOptions): FileTail {
  return withFileInside(path, options, (fd, info) => {
    const skipped = Math.max(0, info.size - options.maxBytes);
    const lines = readRange(path, fd, skipped, info.size - skipped)
      .toString("utf8")
      .split("\n");
    if (skipped > 0) lines.shift();
    return { lines: lines.filter(Boolean), skipped };
  });
}

/** Opens `path` inside the root as the file comment says, and hands the descriptor to `read`. */
function withFileInside<T>(path: string, options: SafeReadOptions, read: (fd: number, info: Stats) => T): T {
  const rootReal = realRoot(path, options.root);
  const outside = `leads outside ${options.rootName ?? "the vault"}`;
  const fd = guardOpen(path, () => openInside(path, rootReal, outside));
  try {
    return read(fd, checkOpened(path, fd, rootReal, outside));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a file that has no root to stay inside (a path the operator configured outright, such as
 * the system config): symlinks are followed, but it must be a regular file of at most `maxBytes`.
 */
export function readFileCapped(path: string, maxBytes: number): Buffer {
  const fd = guardOpen(path, () => openSync(path, FOLLOW));
  try {
    const info = checkType(path, fstatSync(fd));
    checkSize(path, info, maxBytes);
    return readRange(path, fd, 0, info.size);
  } finally {
    closeSync(fd);
  }
}

/** True when the resolved path `real` is `folderReal` or lies under it (both already realpath'ed). */
export function isInsideFolder(folderReal: string, real: string): boolean {
  return real === folderReal || real.startsWith(folderReal + sep);
}

function realRoot(path: string, root: string): string {
  try {
    return realpathSync(root);
  } catch (error) {
    throw new UnsafeFileError(path, `its folder ${root} cannot be resolved (${codeOf(error)})`, {
      cause: error,
    });
  }
}

function openInside(path: string, rootReal: string, outside: string): number {
  try {
    return openSync(path, NO_FOLLOW);
  } catch (error) {
    if (codeOf(error) !== "ELOOP") throw error;
    return openSync(resolveLinkInside(path, rootReal, outside), NO_FOLLOW);
  }
}

/** The final component is a symlink: follow it only when its target is inside the root. */
function resolveLinkInside(path: string, rootReal: string, outside: string): string {
  const target = realpathSync(path);
  if (!isInsideFolder(rootReal, target)) throw new UnsafeFileError(path, outside);
  return target;
}

function guardOpen(path: string, openIt: () => number): number {
  try {
    return openIt();
  } catch (error) {
    throw asUnsafe(path, error);
  }
}

function asUnsafe(path: string, error: unknown): UnsafeFileError {
  if (error instanceof UnsafeFileError) return error;
  return new UnsafeFileError(path, `cannot read (${codeOf(error)})`, { cause: error });
}

/** What was opened must be a regular file inside the root. */
function checkOpened(path: string, fd: number, rootReal: string, outside: string): Stats {
  const info = fstatSync(fd);
  if (!isInsideFolder(rootReal, openedPath(path, fd, info))) throw new UnsafeFileError(path, outside);
  return checkType(path, info);
}

function checkType(path: string, info: Stats): Stats {
  if (!info.isFile()) throw new UnsafeFileError(path, "not a regular file");
  return info;
}

function checkSize(path: string, info: Stats, maxBytes: number): void {
  if (info.size > maxBytes)
    throw new UnsafeFileError(
      path,
      `is ${formatBytes(info.size)}, over the ${formatBytes(maxBytes)} limit; not read`,
    );
}

/**
 * The real path of an open descriptor. Without /proc (a development machine that is not Linux),
 * the path is resolved by name and accepted only if it names the very inode that was opened.
 */
function openedPath(path: string, fd: number, info: Stats): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    try {
      const real = realpathSync(path);
      const named = statSync(real);
      return named.dev === info.dev && named.ino === info.ino ? real : "";
    } catch {
      return "";
    }
  }
}

/**
 * Reads `length` bytes from `start`, within the size fstat gave: a file that grows meanwhile is cut
 * there, never read unbounded.
 */
function readRange(path: string, fd: number, start: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  try {
    while (offset < buffer.length) {
      const n = readSync(fd, buffer, offset, buffer.length - offset, start + offset);
      if (n === 0) break;
      offset += n;
    }
  } catch (error) {
    throw asUnsafe(path, error);
  }
  return buffer.subarray(0, offset);
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | null)?.code ?? String((error as Error)?.message ?? error);
}
