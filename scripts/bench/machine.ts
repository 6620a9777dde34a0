/** What the results were measured on and with, for results.json and docs/PERFORMANCE.md. */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { EMBER_VERSION } from "../../src/update/version.ts";

export interface MachineInfo {
  /** Logical CPUs this process may run on. */
  cores: number;
  cpu: string;
  /** Total memory in bytes. */
  memory: number;
  arch: string;
}

export interface Versions {
  ember: string;
  bun: string;
  nodeLlamaCpp: string;
  /** The llama.cpp release node-llama-cpp's prebuilt addons were built from. */
  llamaCpp: string;
}

export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpu: cpuName(readText("/proc/cpuinfo")),
    memory: totalmem(),
    arch: process.arch,
  };
}

/**
 * The CPU's name from a /proc/cpuinfo text: x86 has "model name"; ARM boards such as the Pi 5 have
 * none but name the board in "Model" (or "Hardware" on older kernels).
 */
export function cpuName(cpuinfo: string): string {
  for (const key of ["model name", "Model", "Hardware"]) {
    const value = new RegExp(`^${key}\\s*:\\s*(.+)$`, "m").exec(cpuinfo)?.[1]?.trim();
    if (value) return value;
  }
  return cpus()[0]?.model || process.arch;
}

export function versions(root: string): Versions {
  const nlc = join(root, "node_modules", "node-llama-cpp");
  return {
    ember: EMBER_VERSION,
    bun: Bun.version,
    nodeLlamaCpp: jsonField(join(nlc, "package.json"), "version"),
    llamaCpp: jsonField(join(nlc, "llama", "llama.cpp.info.json"), "tag"),
  };
}

function jsonField(path: string, field: string): string {
  const value: unknown = (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>)[field];
  if (typeof value !== "string") throw new Error(`${path} has no "${field}"`);
  return value;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
