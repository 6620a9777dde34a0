import { readFileSync, statfsSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem, uptime } from "node:os";
import type { Config } from "../config/schema.ts";
import { describeFsError } from "../fs/fs-error.ts";
import { formatBytes } from "../terminal/bytes.ts";
import type { Agent, AgentOutcome } from "./types.ts";

export interface MetricsOptions {
  /** The disk reading is for the filesystem holding this folder. */
  vaultDir: string;
  /** A sysfs temp file in millidegrees Celsius (`agents.metrics.thermalZone`). */
  thermalZone: string;
  /** Default /proc/meminfo. */
  meminfoPath?: string;
}

export interface Metrics {
  /** ISO time of the reading. */
  at: string;
  uptimeSeconds: number;
  load: { one: number; five: number; fifteen: number; cpus: number };
  memory: { totalBytes: number; freeBytes: number; availableBytes: number; source: string };
  disk:
    | { path: string; totalBytes: number; freeBytes: number; availableBytes: number }
    | { path: string; error: string };
  /** `unavailable` is normal on machines without the sensor (VMs, most x86 boards). */
  temperature: { zone: string; celsius: number } | { zone: string; unavailable: string };
}

export const MEMINFO = "/proc/meminfo";

/**
 * One reading of the node's vital signs. Cheap enough to call every second: a few small file
 * reads and one statfs, no subprocesses. Never throws.
 */
export function readMetrics(options: MetricsOptions): Metrics {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    at: new Date().toISOString(),
    uptimeSeconds: Math.round(uptime()),
    load: { one, five, fifteen, cpus: cpus().length },
    memory: readMemory(options.meminfoPath ?? MEMINFO),
    disk: readDisk(options.vaultDir),
    temperature: readTemperature(options.thermalZone),
  };
}

/** Calls `onReading` now and every `agents.metrics.pollSeconds` until `signal` aborts. */
export function watchMetrics(
  config: Config,
  vaultDir: string,
  onReading: (metrics: Metrics) => void,
  signal: AbortSignal,
): void {
  if (signal.aborted) return;
  const options = { vaultDir, thermalZone: config.agents.metrics.thermalZone };
  const tick = () => onReading(readMetrics(options));
  const timer = setInterval(tick, config.agents.metrics.pollSeconds * 1000);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  tick();
}

export function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\w+):\s+(\d+)(\s+kB)?/.exec(line);
    if (match?.[1] && match[2]) fields.set(match[1], Number(match[2]) * (match[3] ? 1024 : 1));
  }
  return fields;
}

function readMemory(path: string): Metrics["memory"] {
  try {
    const fields = parseMeminfo(readFileSync(path, "utf8"));
    const total = fields.get("MemTotal");
    const free = fields.get("MemFree");
    // MemAvailable counts reclaimable cache; MemFree alone makes a healthy Linux look full.
    const available = fields.get("MemAvailable");
    if (total !== undefined && free !== undefined && available !== undefined)
      return { totalBytes: total, freeBytes: free, availableBytes: available, source: path };
  } catch {
    // Not Linux, or /proc not mounted: the runtime's own numbers are close enough.
  }
  return { totalBytes: totalmem(), freeBytes: freemem(), availableBytes: freemem(), source: "os" };
}

function readDisk(path: string): Metrics["disk"] {
  try {
    const stats = statfsSync(path);
    return {
      path,
      totalBytes: stats.blocks * stats.bsize,
      freeBytes: stats.bfree * stats.bsize,
      availableBytes: stats.bavail * stats.bsize,
    };
  } catch (error) {
    return { path, error: describeFsError(error) };
  }
}

function readTemperature(zone: string): Metrics["temperature"] {
  let text: string;
  try {
    text = readFileSync(zone, "utf8");
  } catch (error) {
    return { zone, unavailable: `no sensor: ${describeFsError(error)}` };
  }
  const millidegrees = Number.parseInt(text.trim(), 10);
  if (Number.isNaN(millidegrees))
    return { zone, unavailable: `not a temperature: ${text.trim().slice(0, 40)}` };
  return { zone, celsius: millidegrees / 1000 };
}

export function summarizeMetrics(metrics: Metrics): string {
  const { load, memory, disk, temperature } = metrics;
  const parts = [
    `load ${load.one.toFixed(2)}/${load.cpus} cpus`,
    `mem ${formatBytes(memory.availableBytes)} of ${formatBytes(memory.totalBytes)} available`,
    "error" in disk ? `disk unreadable` : `disk ${formatBytes(disk.availableBytes)} free`,
    "celsius" in temperature ? `${temperature.celsius.toFixed(1)}°C` : "temp n/a",
  ];
  return parts.join(", ");
}

export const metricsAgent: Agent = {
  name: "metrics",
  summary: "load, memory, disk, temperature and uptime",
  triggers: ["boot", "demand"],
  requiresReady: false,
  async run(ctx): Promise<AgentOutcome> {
    const metrics = readMetrics({
      vaultDir: ctx.vaultDir,
      thermalZone: ctx.config.agents.metrics.thermalZone,
    });
    const details = { ...metrics };
    if ("error" in metrics.disk)
      return {
        status: "degraded",
        summary: `cannot read disk space of ${metrics.disk.path}: ${metrics.disk.error}`,
        details,
      };
    return { status: "ok", summary: summarizeMetrics(metrics), details };
  },
};
