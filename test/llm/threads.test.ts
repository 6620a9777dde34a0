import { describe, expect, test } from "bun:test";
import { llamaThreads, physicalCoresFromCpuinfo, resolveThreadCount } from "../../src/llm/threads.ts";

const SMT_CPUINFO = [0, 1, 2, 3]
  .map((p) => `processor\t: ${p}\nphysical id\t: 0\ncore id\t\t: ${p % 2}\n`)
  .join("\n");
const PI_CPUINFO = [0, 1, 2, 3].map((p) => `processor\t: ${p}\nBogoMIPS\t: 108.00\n`).join("\n");

describe("llama thread count", () => {
  test("counts distinct physical cores, not hyperthreads", () => {
    expect(physicalCoresFromCpuinfo(SMT_CPUINFO)).toBe(2);
  });

  test("a kernel without core ids (Raspberry Pi) gives no count, so the logical count is used", () => {
    expect(physicalCoresFromCpuinfo(PI_CPUINFO)).toBeUndefined();
    expect(resolveThreadCount({ configured: 0, available: 4, physical: undefined })).toBe(4);
  });

  test("0 means the physical cores", () => {
    expect(resolveThreadCount({ configured: 0, available: 4, physical: 2 })).toBe(2);
  });

  test("an explicit count is honoured but never above the physical cores or the CPUs allowed", () => {
    expect(resolveThreadCount({ configured: 1, available: 4, physical: 2 })).toBe(1);
    expect(resolveThreadCount({ configured: 8, available: 4, physical: 2 })).toBe(2);
    expect(resolveThreadCount({ configured: 8, available: 1, physical: 2 })).toBe(1);
  });

  test("on this machine the count is at least one and at most the CPUs available", () => {
    const threads = llamaThreads(0);
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(threads).toBeLessThanOrEqual(require("node:os").availableParallelism());
    expect(llamaThreads(1)).toBe(1);
  });
});
