import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readClockFloor } from "../../src/update/clock-floor.ts";
import {
  ChannelMismatchError,
  ChecksumMismatchError,
  ManifestExpiredError,
  NoArtifactForTargetError,
  NoTrustedKeysError,
  NotNewerError,
  SelfTestFailedError,
  SignatureError,
} from "../../src/update/errors.ts";
import { readStartMarker } from "../../src/update/marker-file.ts";
import { runUpgrade, type UpgradeOptions } from "../../src/update/upgrade.ts";
import { fakeBinary, runInstalled } from "./fixtures/binaries.ts";
import { publish, testKey } from "./fixtures/channel.ts";
import { type InstallDir, installDir } from "./fixtures/install-dir.ts";
import { ChannelServer } from "./fixtures/server.ts";

const key = testKey();
let server: ChannelServer;
let install: InstallDir;
let said: string[];

beforeEach(() => {
  server = new ChannelServer();
  install = installDir("0.1.0");
  said = [];
});
afterEach(() => {
  server.stop();
  install.remove();
});

function options(channelUrl: string, extra: Partial<UpgradeOptions> = {}): UpgradeOptions {
  return {
    channel: channelUrl,
    publicKeys: [key.publicKeyBase64],
    installPath: install.path,
    currentVersion: "0.1.0",
    say: (line) => said.push(line),
    ...extra,
  };
}

/** The old binary is still the installed one, runs, and nothing half-done is left beside it. */
function expectUntouched(): void {
  expect(runInstalled(install.path)).toBe("ember 0.1.0");
  expect(
    readdirSync(install.dir).filter(
      (n) => n !== "ember" && n !== ".ember.download" && n !== ".ember.download.meta",
    ),
  ).toEqual([]);
}

describe("runUpgrade", () => {
  test("installs a newer signed release, keeps the previous binary and writes the start marker", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { size: 200_000 }),
      key,
    });
    const outcome = await runUpgrade(options(channelUrl));
    expect(outcome).toMatchObject({
      kind: "installed",
      current: "0.1.0",
      offered: "0.2.0",
      resumedFrom: 0,
      fetched: 200_000,
    });
    expect(runInstalled(install.path)).toBe("ember 0.2.0");
    expect(runInstalled(join(install.dir, "ember.prev"))).toBe("ember 0.1.0");
    expect(readStartMarker(join(install.dir, ".ember.start-pending"))).toEqual({
      version: "0.2.0",
      previousVersion: "0.1.0",
    });
    expect(readdirSync(install.dir).sort()).toEqual([".ember.start-pending", "ember", "ember.prev"]);
    expect(said.join("\n")).toContain("installed: ember 0.1.0   channel stable: ember 0.2.0");
  });

  test("--check reports the available version without downloading it", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const outcome = await runUpgrade(options(channelUrl, { checkOnly: true }));
    expect(outcome).toMatchObject({ kind: "available", current: "0.1.0", offered: "0.2.0" });
    expect(outcome).toMatchObject({ check: { channel: "stable", target: expect.stringMatching(/^linux-/) } });
    expect(server.requests.map((r) => r.path)).toEqual([
      "/stable/manifest.json",
      "/stable/manifest.json.sig",
    ]);
    expectUntouched();
  });

  test("the same version is up to date, not reinstalled", async () => {
    const { channelUrl } = publish(server, { version: "0.1.0", binary: fakeBinary("0.1.0"), key });
    expect((await runUpgrade(options(channelUrl))).kind).toBe("up-to-date");
    expect(server.requests).toHaveLength(2);
  });

  test("an older version is refused unless --allow-downgrade", async () => {
    const { channelUrl } = publish(server, { version: "0.0.9", binary: fakeBinary("0.0.9"), key });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(NotNewerError);
    expectUntouched();
    const outcome = await runUpgrade(options(channelUrl, { allowDowngrade: true }));
    expect(outcome.kind).toBe("installed");
    expect(runInstalled(install.path)).toBe("ember 0.0.9");
  });

  test("a tampered artifact is rejected, the partial removed and the installed binary kept", async () => {
    const binary = fakeBinary("0.2.0", { size: 50_000 });
    const { channelUrl, artifactPath } = publish(server, { version: "0.2.0", binary, key });
    const tampered = fakeBinary("0.2.0", { size: 50_000, selfTestExit: 0, reportedVersion: "0.2.0 evil" });
    server.files.set(artifactPath, tampered);
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(ChecksumMismatchError);
    expectUntouched();
    expect(existsSync(join(install.dir, ".ember.download"))).toBe(false);
  });

  test("a manifest changed after signing fails the signature check", async () => {
    const { channelUrl, manifest } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const forged = Buffer.from(JSON.stringify({ ...manifest, expires: "2099-01-01T00:00:00Z" }, null, 2));
    server.files.set("/stable/manifest.json", forged);
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(SignatureError);
    expectUntouched();
  });

  test("a missing signature is refused", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0"),
      key,
      signature: null,
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(
      /no signature.*refusing an unsigned release/,
    );
    expectUntouched();
  });

  test("a malformed signature is refused", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0"),
      key,
      signature: "not a signature",
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(SignatureError);
  });

  test("a release signed by an untrusted key is refused; trusting that key accepts it", async () => {
    const other = testKey();
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key: other });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(/under any trusted key/);
    expectUntouched();
    const outcome = await runUpgrade(
      options(channelUrl, { publicKeys: [key.publicKeyBase64, other.publicKeyBase64] }),
    );
    expect(outcome.kind).toBe("installed");
  });

  test("with no trusted key every release is refused", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    await expect(runUpgrade(options(channelUrl, { publicKeys: [] }))).rejects.toThrow(NoTrustedKeysError);
  });

  test("an expired manifest is refused (freeze attack)", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0"),
      key,
      published: new Date(Date.now() - 10 * 86_400_000),
      expires: new Date(Date.now() - 86_400_000),
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(ManifestExpiredError);
    expectUntouched();
  });

  test("a manifest published after the node's clock is taken, and its time becomes the clock floor", async () => {
    const vaultDir = mkdtempSync(join(tmpdir(), "ember-floor-"));
    try {
      const published = new Date(Date.now() + 2 * 86_400_000);
      const { channelUrl } = publish(server, {
        version: "0.2.0",
        binary: fakeBinary("0.2.0"),
        key,
        published,
      });
      const outcome = await runUpgrade(options(channelUrl, { checkOnly: true, vaultDir }));
      expect(outcome.kind).toBe("available");
      expect(readClockFloor(vaultDir)).toEqual(published);
    } finally {
      rmSync(vaultDir, { recursive: true, force: true });
    }
  });

  test("another channel's signed manifest served in this channel's folder is refused", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0"),
      key,
      manifestChannel: "beta",
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(ChannelMismatchError);
  });

  test("a release without this node's target is refused", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0"),
      key,
      target: "linux-riscv64",
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(NoArtifactForTargetError);
  });

  test("a truncated download keeps the old binary and the partial, and the next run resumes it", async () => {
    const binary = fakeBinary("0.2.0", { size: 100_000 });
    const { channelUrl, artifactPath } = publish(server, { version: "0.2.0", binary, key });
    server.behaviour.set(artifactPath, "truncate");
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(
      /stopped at 50000 of 100000 bytes; run again to resume/,
    );
    expectUntouched();
    server.behaviour.delete(artifactPath);
    const outcome = await runUpgrade(options(channelUrl));
    expect(outcome).toMatchObject({ kind: "installed", resumedFrom: 50_000, fetched: 50_000 });
    expect(server.requests.at(-1)?.range).toBe("bytes=50000-");
  });

  test("a failing self-test means no swap: the partial is removed with a clear message", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { selfTestExit: 3 }),
      key,
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(
      /failed its self-test \(exited with 3: self-test exit 3\); the installed one is unchanged/,
    );
    expectUntouched();
    expect(readdirSync(install.dir)).toEqual(["ember"]);
  });

  test("a self-test that hangs is killed after the timeout and not installed", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { selfTestSleep: 30 }),
      key,
    });
    await expect(runUpgrade(options(channelUrl, { selfTestTimeoutMs: 500 }))).rejects.toThrow(
      SelfTestFailedError,
    );
    expect(readdirSync(install.dir)).toEqual(["ember"]);
  });

  test("a build that reports another version than the manifest is not installed", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { reportedVersion: "0.3.0" }),
      key,
    });
    await expect(runUpgrade(options(channelUrl))).rejects.toThrow(
      /reports version 0.3.0, the manifest says 0.2.0/,
    );
    expect(readdirSync(install.dir)).toEqual(["ember"]);
  });

  test("a declined prompt downloads nothing", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const questions: string[] = [];
    const outcome = await runUpgrade(
      options(channelUrl, {
        confirm: async (q) => {
          questions.push(q);
          return false;
        },
      }),
    );
    expect(outcome.kind).toBe("declined");
    expect(questions[0]).toMatch(/^Install ember 0.2.0 \(linux-/);
    expect(server.requests).toHaveLength(2);
  });
});
