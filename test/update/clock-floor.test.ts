import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { advanceClock, CLOCK_FLOOR_FILE, readClockFloor } from "../../src/update/clock-floor.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function vault(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-clock-"));
  dirs.push(dir);
  return dir;
}
const t = (iso: string) => new Date(iso);

describe("the clock floor", () => {
  test("moves forward to a seen time, never backward, and now is the later of clock and floor", () => {
    const dir = vault();
    expect(
      advanceClock({ now: t("2024-01-01T00:00:00Z"), vaultDir: dir }, t("2026-05-01T00:00:00Z")),
    ).toEqual({
      now: t("2026-05-01T00:00:00Z"),
    });
    expect(readFileSync(join(dir, CLOCK_FLOOR_FILE), "utf8")).toBe("2026-05-01T00:00:00.000Z\n");
    // An older release seen later leaves the floor where it was.
    expect(
      advanceClock({ now: t("2024-01-02T00:00:00Z"), vaultDir: dir }, t("2025-01-01T00:00:00Z")).now,
    ).toEqual(t("2026-05-01T00:00:00Z"));
    expect(readClockFloor(dir)).toEqual(t("2026-05-01T00:00:00Z"));
    // A clock ahead of the floor wins.
    expect(
      advanceClock({ now: t("2027-01-01T00:00:00Z"), vaultDir: dir }, t("2025-01-01T00:00:00Z")).now,
    ).toEqual(t("2027-01-01T00:00:00Z"));
  });

  test("a damaged floor file counts as none and is replaced by the next seen time", () => {
    const dir = vault();
    mkdirSync(join(dir, "state"));
    writeFileSync(join(dir, CLOCK_FLOOR_FILE), "not a time\n");
    expect(readClockFloor(dir)).toBeUndefined();
    advanceClock({ now: t("2024-01-01T00:00:00Z"), vaultDir: dir }, t("2025-01-01T00:00:00Z"));
    expect(readClockFloor(dir)).toEqual(t("2025-01-01T00:00:00Z"));
  });

  test("a floor that cannot be saved still counts for this run, and says why", () => {
    const dir = vault();
    // A file where the state folder should be: no lock, no floor can be written there.
    writeFileSync(join(dir, "state"), "");
    chmodSync(join(dir, "state"), 0o400);
    const advanced = advanceClock(
      { now: t("2024-01-01T00:00:00Z"), vaultDir: dir },
      t("2025-01-01T00:00:00Z"),
    );
    expect(advanced.now).toEqual(t("2025-01-01T00:00:00Z"));
    expect(advanced.problem).toMatch(/could not be remembered in .*state\/clock-floor \(\w+\)/);
  });
});
