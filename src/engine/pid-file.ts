import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { readFileCapped } from "../fs/safe-open.ts";
import { isAlive } from "../os/process-alive.ts";

/**
 * One engine per user and vault, even when a client and the init script start one at the same
 * moment: the pid file is created exclusively (O_EXCL), so exactly one process holds it. A file
 * left by a process that is gone (kill -9) is taken over.
 */
export type PidClaim = { held: true; release(): void } | { held: false; pid: number };

export function claimPidFile(path: string): PidClaim {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        held: true,
        release() {
          if (readPid(path) === process.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const pid = readPid(path);
    if (pid !== undefined && isAlive(pid)) return { held: false, pid };
    // The holder is gone: the file is stale.
    try {
      unlinkSync(path);
    } catch {
      // Another starter removed it first; the next attempt decides.
    }
  }
  const pid = readPid(path);
  return { held: false, pid: pid ?? 0 };
}

export function readPid(path: string): number | undefined {
  try {
    // A pid and a newline: a larger file (or a FIFO) is not ours, and holds no live engine.
    const pid = Number(readFileCapped(path, 32).toString("utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
