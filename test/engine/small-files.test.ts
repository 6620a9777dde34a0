/**
 * The engine's small bookkeeping files beside its socket (pid, restart count) and the engine's
 * start log are parsed only within a size cap: a file that is too large, or a FIFO planted in
 * their place, is taken for "not ours" at once instead of being read whole (a FIFO used to block
 * every start for good).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimPidFile, readPid } from "../../src/engine/pid-file.ts";
import { restartDelayMs } from "../../src/engine/restart-backoff.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-engine-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = (name: string) => {
  const path = join(dir, name);
  Bun.spawnSync(["mkfifo", path]);
  return path;
};

describe("the pid file", () => {
  test("a pid is read; a FIFO or an oversize file holds none, and a claim replaces it", () => {
    const plain = join(dir, "plain.pid");
    writeFileSync(plain, "4242\n");
    expect(readPid(plain)).toBe(4242);
    const big = join(dir, "big.pid");
    writeFileSync(big, `4242\n${" ".repeat(4096)}`);
    expect(readPid(big)).toBeUndefined();
    const pipe = fifo("pipe.pid");
    expect(readPid(pipe)).toBeUndefined();
    const claim = claimPidFile(pipe);
    expect(claim.held).toBe(true);
    expect(readFileSync(pipe, "utf8")).toBe(`${process.pid}\n`);
    if (claim.held) claim.release();
    expect(existsSync(pipe)).toBe(false);
  });
});

describe("the restart count", () => {
  test("quick restarts back off; a FIFO or an oversize count is no count, and is replaced", () => {
    const starts = join(dir, "plain.starts");
    expect(restartDelayMs(starts, 1_000_000)).toBe(0);
    expect(restartDelayMs(starts, 1_001_000)).toBe(2000);
    const big = join(dir, "big.starts");
    writeFileSync(big, `{"at":1000000,"quick":5}${" ".repeat(4096)}`);
    expect(restartDelayMs(big, 1_001_000)).toBe(0);
    const pipe = fifo("pipe.starts");
    expect(restartDelayMs(pipe, 1_001_000)).toBe(0);
    expect(JSON.parse(readFileSync(pipe, "utf8"))).toEqual({ at: 1_001_000, quick: 0 });
  });
});
