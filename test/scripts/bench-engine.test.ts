import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engine } from "../../scripts/bench/engine.ts";
import type { TargetCheck } from "../../scripts/bench/types.ts";
import { tinyBenchContext } from "../helpers/bench-context.ts";

/**
 * `make bench`'s engine section on the suite's tiny model: its figures' shape and bookkeeping
 * (the memory sum adds up, each check agrees with its figures, the two panes' answers are
 * complete), never their size.
 */

const workDir = mkdtempSync(join(tmpdir(), "eb-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface EngineFigures {
  memory: {
    standaloneReplBytes: number;
    engineBytes: number;
    attachedReplBytes: number[];
    askPeakBytes: number;
    sumBytes: number;
    check: TargetCheck;
  };
  startOverhead: { warmMs: number[]; noEngineMs: number[]; check: TargetCheck };
  switching: {
    afterOtherMs: number;
    afterOwnMs: number;
    switches: number;
    allReused: boolean;
    swapMs: number;
    switchMs: number;
    check: TargetCheck;
  };
  twoPanes: {
    answers: { chars: number; stopped?: string }[];
    complete: boolean;
    equalToSolo: number;
    secondWaitMs: number;
    firstTurnMs: number;
    check: TargetCheck;
  };
}

describe("make bench, engine", () => {
  test("memory, start overhead, switching and two panes at once, each against its baseline", async () => {
    const { result, rows } = await engine(tinyBenchContext({ workDir }));
    const figures = result as unknown as EngineFigures;
    const { memory, startOverhead, switching, twoPanes } = figures;
    expect(memory.attachedReplBytes).toHaveLength(3);
    expect(memory.sumBytes).toBe(
      memory.engineBytes + memory.attachedReplBytes.reduce((a, b) => a + b, 0) + memory.askPeakBytes,
    );
    expect(memory.check.ratio).toBeCloseTo(memory.sumBytes / memory.standaloneReplBytes, 2);
    // A client holds no model: each attached REPL is smaller than the engine that holds it.
    for (const bytes of memory.attachedReplBytes) expect(bytes).toBeLessThan(memory.engineBytes);
    expect(startOverhead.warmMs).toHaveLength(1);
    expect(startOverhead.check.ratio).toBeCloseTo(startOverhead.warmMs[0]! / startOverhead.noEngineMs[0]!, 2);
    // The switch is the engine's own save and load, and the turn after it reused all it held.
    expect(switching.switches).toBe(1);
    expect(switching.allReused).toBe(true);
    expect(switching.switchMs).toBe(switching.swapMs);
    expect(switching.check.ratio).toBe(switching.switchMs);
    expect(twoPanes.answers).toEqual([{ chars: expect.any(Number) }, { chars: expect.any(Number) }]);
    expect(twoPanes.complete).toBe(true);
    expect(twoPanes.secondWaitMs).toBeGreaterThan(0);
    expect(rows.map((r) => r.section)).toEqual(["engine", "engine", "engine", "engine"]);
    expect(rows.every((r) => r.check !== undefined)).toBe(true);
  }, 180_000);
});
