/**
 * The node's notion of "now" for judging release manifests. A Pi without an RTC battery and
 * without network boots with an old clock; a manifest whose signature verified is proof that its
 * `published` time has passed, so that time becomes a floor the node's "now" never goes below.
 * The floor is kept in the vault (`state/clock-floor`), only ever moves forward, and also defends
 * a node whose clock is behind against an old, expired manifest replayed to it.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { withFileLock } from "../fs/file-lock.ts";
import { readFileInside, UnsafeFileError } from "../fs/safe-open.ts";

export const CLOCK_FLOOR_FILE = join("state", "clock-floor");
const LOCK_FILE = join("state", "clock-floor.lock");
/** One ISO timestamp and a newline; anything longer is not ours. */
const MAX_BYTES = 64;

export interface NodeClock {
  /** The system clock's reading (tests pass a fixed one). */
  now: Date;
  /** The vault whose state keeps the floor; without one, nothing is remembered between runs. */
  vaultDir?: string;
}

/** The persisted floor; a missing, unreadable or damaged file counts as none (the clock alone rules). */
export function readClockFloor(vaultDir: string): Date | undefined {
  try {
    const text = readFileInside(join(vaultDir, CLOCK_FLOOR_FILE), { root: vaultDir, maxBytes: MAX_BYTES })
      .toString("utf8")
      .trim();
    const time = Date.parse(text);
    return Number.isNaN(time) ? undefined : new Date(time);
  } catch (error) {
    if (error instanceof UnsafeFileError) return undefined;
    throw error;
  }
}

export interface AdvancedClock {
  /** The later of the clock, the floor and `seen`: what expiry is judged against. */
  now: Date;
  /** Why the floor could not be saved (a read-only vault); it still counts for this run. */
  problem?: string;
}

/** Records that `seen` (a verified manifest's `published`) has passed, and returns the node's now. */
export function advanceClock(clock: NodeClock, seen: Date): AdvancedClock {
  const later = (a: Date, b: Date | undefined) => (b !== undefined && b > a ? b : a);
  if (clock.vaultDir === undefined) return { now: later(clock.now, seen) };
  const vaultDir = clock.vaultDir;
  try {
    // Under the lock, so two processes raising the floor at once cannot move it backward.
    const floor = withFileLock(join(vaultDir, LOCK_FILE), () => {
      const stored = readClockFloor(vaultDir);
      if (stored !== undefined && stored >= seen) return stored;
      writeFileAtomic(join(vaultDir, CLOCK_FLOOR_FILE), `${seen.toISOString()}\n`);
      return seen;
    });
    return { now: later(clock.now, floor) };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return {
      now: later(later(clock.now, readClockFloor(vaultDir)), seen),
      problem: `the release time could not be remembered in ${join(vaultDir, CLOCK_FLOOR_FILE)} (${reason})`,
    };
  }
}
