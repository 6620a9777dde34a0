/**
 * A lock two Ember processes (two REPLs on one vault, a REPL and `ember upgrade`) take around a
 * read-modify-write of a shared file, so neither loses the other's change.
 *
 * Bun has no flock(). SQLite's POSIX locks are the portable kernel lock at hand: an exclusive
 * transaction on a small lock database blocks the other process until it ends, and the kernel
 * drops the lock when a process dies, so a crash never leaves a stale lock behind.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** How long a second process waits for the lock before giving up with SQLITE_BUSY. */
export const LOCK_WAIT_MS = 5000;

/** Runs `work` (synchronous, so it cannot interleave with anything else here) holding `lockPath`. */
export function withFileLock<T>(lockPath: string, work: () => T): T {
  mkdirSync(dirname(lockPath), { recursive: true });
  const db = new Database(lockPath, { create: true });
  try {
    db.run(`PRAGMA busy_timeout = ${LOCK_WAIT_MS}`);
    db.run("BEGIN EXCLUSIVE");
    try {
      return work();
    } finally {
      db.run("COMMIT");
    }
  } finally {
    db.close();
  }
}
