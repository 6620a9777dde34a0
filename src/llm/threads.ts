import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * Physical cores from a /proc/cpuinfo text: distinct (physical id, core id) pairs. Kernels that do
 * not report core ids (most ARM boards, the Raspberry Pi included, which have no SMT) give undefined.
 */
export function physicalCoresFromCpuinfo(cpuinfo: string): number | undefined {
  const cores = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (core !== undefined) cores.add(`${physical ?? "0"}:${core}`);
  }
  return cores.size > 0 ? cores.size : undefined;
}

export interface ThreadInputs {
  /** `llm.threads`; 0 means "the physical cores". */
  configured: number;
  /** Logical CPUs this process may run on (affinity and cgroups applied). */
  available: number;
  physical: number | undefined;
}

/**
 * How many threads llama.cpp gets: the physical cores by default, and never more than them
 * (hyperthreads and oversubscription measured 25-500x slower) nor than the CPUs this process may use.
 */
export function resolveThreadCount({ configured, available, physical }: ThreadInputs): number {
  const ceiling = Math.max(1, Math.min(available, physical ?? available));
  return configured > 0 ? Math.min(configured, ceiling) : ceiling;
}

export function llamaThreads(configured: number): number {
  let cpuinfo = "";
  try {
    cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // Not Linux: the logical count is all there is to go on.
  }
  return resolveThreadCount({
    configured,
    available: availableParallelism(),
    physical: physicalCoresFromCpuinfo(cpuinfo),
  });
}
