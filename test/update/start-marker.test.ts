import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStartMarker, writeStartMarker } from "../../src/update/marker-file.ts";
import { checkStartMarker, markHealthyStart } from "../../src/update/start-marker.ts";
import { runUpgrade } from "../../src/update/upgrade.ts";
import { appBinary } from "./fixtures/app-binary.ts";
import { runInstalled, writeFakeBinary } from "./fixtures/binaries.ts";
import { publish, testKey } from "./fixtures/channel.ts";
import { type InstallDir, installDir } from "./fixtures/install-dir.ts";
import { ChannelServer } from "./fixtures/server.ts";

let install: InstallDir;
let marker: string;
const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

beforeEach(() => {
  install = installDir("0.1.0");
  marker = join(install.dir, ".ember.start-pending");
});
afterEach(() => install.remove());

let reported: string[] = [];
beforeEach(() => {
  reported = [];
});
/** As the new version (0.2.0) started from the install path. */
const asNew = { runningVersion: "0.2.0", relaunch: false, report: (m: string) => reported.push(m) } as const;

describe("checkStartMarker", () => {
  test("no marker: nothing to do", () => {
    expect(checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path })).toEqual({
      kind: "none",
    });
  });

  test("the new version's first start claims the marker; a healthy start removes it", () => {
    writeStartMarker(marker, { version: "0.2.0", previousVersion: "0.1.0" });
    const check = checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path });
    expect(check).toEqual({ kind: "first-start", version: "0.2.0" });
    expect(readStartMarker(marker)).toEqual({
      version: "0.2.0",
      previousVersion: "0.1.0",
      startedPid: process.pid,
      bootId,
    });
    expect(markHealthyStart({ installPath: install.path, runningVersion: "0.2.0" })).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(markHealthyStart({ installPath: install.path, runningVersion: "0.2.0" })).toBe(false);
  });

  test("a start that finds the marker claimed by a process that is gone rolls back to ember.prev", () => {
    writeFakeBinary(join(install.dir, "ember.prev"), "0.1.0");
    writeFakeBinary(install.path, "0.2.0");
    const dead = Bun.spawnSync(["true"]).pid;
    writeStartMarker(marker, { version: "0.2.0", previousVersion: "0.1.0", startedPid: dead, bootId });
    const check = checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path });
    expect(check).toMatchObject({ kind: "rolled-back", failedVersion: "0.2.0", restoredVersion: "0.1.0" });
    expect(reported).toEqual([
      `ember 0.2.0 did not start cleanly last time; rolled back to ember 0.1.0 (0.2.0 is kept as ${install.dir}/ember.prev)`,
    ]);
    expect(runInstalled(install.path)).toBe("ember 0.1.0");
    expect(runInstalled(join(install.dir, "ember.prev"))).toBe("ember 0.2.0");
    expect(existsSync(marker)).toBe(false);
  });

  test("a claim from before a reboot counts as failed even if its pid is alive again", () => {
    writeFakeBinary(join(install.dir, "ember.prev"), "0.1.0");
    writeStartMarker(marker, {
      version: "0.2.0",
      previousVersion: "0.1.0",
      startedPid: 1,
      bootId: "another-boot",
    });
    expect(checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path }).kind).toBe(
      "rolled-back",
    );
  });

  test("while the claiming process is still alive, another start (e.g. the HUD) waits its turn", async () => {
    const starter = Bun.spawn(["sleep", "30"]);
    try {
      writeStartMarker(marker, {
        version: "0.2.0",
        previousVersion: "0.1.0",
        startedPid: starter.pid,
        bootId,
      });
      expect(checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path })).toEqual({
        kind: "pending",
        version: "0.2.0",
      });
      expect(readStartMarker(marker)?.startedPid).toBe(starter.pid);
    } finally {
      starter.kill("SIGKILL");
      await starter.exited;
    }
  });

  test("a marker for another version (a swap killed before its rename) is left alone", () => {
    writeStartMarker(marker, { version: "0.3.0", previousVersion: "0.2.0", startedPid: 1, bootId: "x" });
    expect(checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path })).toEqual({
      kind: "none",
    });
    expect(readStartMarker(marker)?.version).toBe("0.3.0");
    expect(markHealthyStart({ installPath: install.path, runningVersion: "0.2.0" })).toBe(false);
  });

  test("a binary other than the installed one (the staged download's self-test) does not touch the marker", () => {
    writeStartMarker(marker, { version: "0.2.0", previousVersion: "0.1.0" });
    const elsewhere = join(install.dir, ".ember.download");
    writeFakeBinary(elsewhere, "0.2.0");
    expect(checkStartMarker({ ...asNew, installPath: install.path, runningPath: elsewhere })).toEqual({
      kind: "none",
    });
    expect(readStartMarker(marker)?.startedPid).toBeUndefined();
  });

  test("an unreadable marker never stops the start", () => {
    writeFileSync(marker, "{not json");
    expect(checkStartMarker({ ...asNew, installPath: install.path, runningPath: install.path })).toEqual({
      kind: "none",
    });
  });

  test("a marker too large to be ours, or a FIFO in its place, is not parsed (and never blocks the start)", () => {
    writeFileSync(
      marker,
      `${JSON.stringify({ version: "0.2.0", previousVersion: "0.1.0" })}${" ".repeat(8192)}`,
    );
    expect(readStartMarker(marker)).toBeUndefined();
    rmSync(marker);
    Bun.spawnSync(["mkfifo", marker]);
    expect(readStartMarker(marker)).toBeUndefined();
  });
});

describe("a release that cannot start", () => {
  let server: ChannelServer;
  beforeEach(() => {
    server = new ChannelServer();
  });
  afterEach(() => server.stop());

  async function upgradeTo(binary: Uint8Array): Promise<void> {
    writeFileSync(install.path, appBinary("0.1.0", "healthy"));
    chmodSync(install.path, 0o755);
    const key = testKey();
    const { channelUrl } = publish(server, { version: "0.2.0", binary, key });
    const outcome = await runUpgrade({
      channel: channelUrl,
      publicKeys: [key.publicKeyBase64],
      installPath: install.path,
      currentVersion: "0.1.0",
      say: () => undefined,
    });
    expect(outcome.kind).toBe("installed");
  }

  function start(...args: string[]): { code: number | null; out: string; err: string } {
    const run = Bun.spawnSync([install.path, ...args], {
      env: { ...process.env, EMBER_INSTALL_PATH: install.path },
    });
    return { code: run.exitCode, out: run.stdout.toString(), err: run.stderr.toString() };
  }

  test("passes its self-test, fails its first start, and the next start rolls back and runs the old one", async () => {
    await upgradeTo(appBinary("0.2.0", "crash"));
    const first = start("status");
    expect(first.code).toBe(70);
    expect(first.out).toContain("start check: first-start");
    expect(readStartMarker(marker)?.startedPid).toBeNumber();

    const second = start("status");
    expect(second.err).toContain(
      "ember 0.2.0 did not start cleanly last time; rolled back to ember 0.1.0 (0.2.0 is kept as",
    );
    expect(second.out).toContain("ember 0.1.0 is up: status");
    expect(second.code).toBe(0);
    expect(runInstalled(install.path)).toBe("ember 0.1.0");
    expect(runInstalled(join(install.dir, "ember.prev"))).toBe("ember 0.2.0");
    expect(existsSync(marker)).toBe(false);
  });

  test("a release that comes up healthy clears the marker and stays", async () => {
    await upgradeTo(appBinary("0.2.0", "healthy"));
    expect(start("status").out).toContain("start check: first-start");
    expect(existsSync(marker)).toBe(false);
    const later = start("status");
    expect(later.out).toContain("start check: none");
    expect(later.out).toContain("ember 0.2.0 is up");
  });
});
