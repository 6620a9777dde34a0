import { describe, expect, test } from "bun:test";
import { formatDuration, renderProgressLine } from "../../src/update/progress.ts";

describe("renderProgressLine", () => {
  test("shows bar, percent, size, rate and time left", () => {
    const line = renderProgressLine("ember 0.2.0", {
      received: 25 * 1048576,
      total: 100 * 1048576,
      resumedFrom: 0,
      elapsedMs: 10_000,
    });
    expect(line).toBe(
      "ember 0.2.0 [######------------------]  25% 25.0 MiB / 100.0 MiB  2.5 MiB/s  0:30 left",
    );
  });

  test("a resumed download's rate counts only this run's bytes", () => {
    const line = renderProgressLine("m", {
      received: 60 * 1024,
      total: 100 * 1024,
      resumedFrom: 50 * 1024,
      elapsedMs: 1000,
    });
    expect(line).toContain("10.0 KiB/s  0:04 left");
  });

  test("before any byte the time left is unknown", () => {
    expect(renderProgressLine("m", { received: 0, total: 10, resumedFrom: 0, elapsedMs: 0 })).toEndWith(
      "--:-- left",
    );
  });

  test("durations", () => {
    expect(formatDuration(3725)).toBe("1:02:05");
  });
});
