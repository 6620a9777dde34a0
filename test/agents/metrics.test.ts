import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Metrics,
  metricsAgent,
  parseMeminfo,
  readMetrics,
  watchMetrics,
} from "../../src/agents/metrics.ts";
import { tempDir, testConfig, testContext } from "./context.ts";

const root = tempDir("ember-metrics-");
afterAll(root.cleanup);
const zone = join(root.dir, "temp");
writeFileSync(zone, "48250\n");

describe("readMetrics", () => {
  test("reads load, memory, disk, temperature and uptime of this machine", () => {
    const metrics = readMetrics({ vaultDir: root.dir, thermalZone: zone });
    expect(metrics.load.cpus).toBeGreaterThan(0);
    expect(metrics.load.one).toBeGreaterThanOrEqual(0);
    expect(metrics.memory.source).toBe("/proc/meminfo");
    expect(metrics.memory.totalBytes).toBeGreaterThan(0);
    expect(metrics.memory.availableBytes).toBeLessThanOrEqual(metrics.memory.totalBytes);
    expect(metrics.disk).toMatchObject({ path: root.dir });
    if ("error" in metrics.disk) throw new Error(metrics.disk.error);
    expect(metrics.disk.availableBytes).toBeLessThanOrEqual(metrics.disk.totalBytes);
    expect(metrics.temperature).toEqual({ zone, celsius: 48.25 });
    expect(metrics.uptimeSeconds).toBeGreaterThan(0);
  });

  test("a missing thermal zone is unavailable, not an error", () => {
    const missing = join(root.dir, "thermal_zone9", "temp");
    const { temperature } = readMetrics({ vaultDir: root.dir, thermalZone: missing });
    expect(temperature).toEqual({
      zone: missing,
      unavailable: `no sensor: not found (ENOENT at ${missing})`,
    });
  });

  test("garbage in the thermal zone is unavailable with what was read", () => {
    const bad = join(root.dir, "bad-temp");
    writeFileSync(bad, "hot\n");
    expect(readMetrics({ vaultDir: root.dir, thermalZone: bad }).temperature).toEqual({
      zone: bad,
      unavailable: "not a temperature: hot",
    });
  });

  test("falls back to the runtime's numbers without /proc/meminfo", () => {
    const { memory } = readMetrics({
      vaultDir: root.dir,
      thermalZone: zone,
      meminfoPath: join(root.dir, "none"),
    });
    expect(memory.source).toBe("os");
    expect(memory.totalBytes).toBeGreaterThan(0);
  });
});

test("parseMeminfo turns kB into bytes", () => {
  const fields = parseMeminfo(
    "MemTotal:        8000 kB\nMemFree:  1000 kB\nMemAvailable:   5000 kB\nHugePages_Total:  4\n",
  );
  expect(fields.get("MemTotal")).toBe(8000 * 1024);
  expect(fields.get("MemAvailable")).toBe(5000 * 1024);
  expect(fields.get("HugePages_Total")).toBe(4);
});

describe("metrics agent", () => {
  test("ok with a one-line summary and the reading as details", async () => {
    const config = testConfig(root.dir, (c) => {
      c.agents.metrics.thermalZone = zone;
    });
    const outcome = await metricsAgent.run(testContext(root.dir, { config }));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toMatch(
      /^load \d+\.\d\d\/\d+ cpus, mem .+ of .+ available, disk .+ free, 48\.3°C$/,
    );
    expect(outcome.details).toMatchObject({ temperature: { celsius: 48.25 } });
  });

  test("without a sensor the summary says so and stays ok", async () => {
    const config = testConfig(root.dir, (c) => {
      c.agents.metrics.thermalZone = join(root.dir, "no-sensor");
    });
    const outcome = await metricsAgent.run(testContext(root.dir, { config }));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toEndWith("temp n/a");
  });

  test("degraded when the vault's disk cannot be read", async () => {
    const gone = join(root.dir, "no-vault");
    const outcome = await metricsAgent.run(testContext(gone));
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toBe(`cannot read disk space of ${gone}: not found (ENOENT at ${gone})`);
  });
});

test("watchMetrics reads now and then every pollSeconds until aborted", async () => {
  const config = testConfig(root.dir, (c) => {
    c.agents.metrics.pollSeconds = 1;
  });
  const controller = new AbortController();
  const readings: Metrics[] = [];
  const second = new Promise<void>((resolve) => {
    watchMetrics(
      config,
      root.dir,
      (m) => {
        readings.push(m);
        if (readings.length === 2) {
          controller.abort();
          resolve();
        }
      },
      controller.signal,
    );
  });
  expect(readings.length).toBe(1);
  await second;
  await Bun.sleep(1200);
  expect(readings.length).toBe(2);
});
