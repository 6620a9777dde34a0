import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NoSpaceError, NotWritableError } from "../../src/update/errors.ts";
import { runUpgrade } from "../../src/update/upgrade.ts";
import { canMount, type Mount, mountReadOnly, mountTmpfs } from "../helpers/mounts.ts";
import { fakeBinary, runInstalled, writeFakeBinary } from "./fixtures/binaries.ts";
import { publish, testKey } from "./fixtures/channel.ts";
import { type InstallDir, installDir } from "./fixtures/install-dir.ts";
import { ChannelServer } from "./fixtures/server.ts";

const key = testKey();
let server: ChannelServer;
const cleanups: (() => void)[] = [];

beforeEach(() => {
  server = new ChannelServer();
});
afterEach(() => {
  server.stop();
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function track<T extends Mount | InstallDir>(thing: T): T {
  cleanups.push("unmount" in thing ? thing.unmount : thing.remove);
  return thing;
}

const upgrade = (channel: string, installPath: string) =>
  runUpgrade({
    channel,
    publicKeys: [key.publicKeyBase64],
    installPath,
    currentVersion: "0.1.0",
    say: () => undefined,
  });

describe.skipIf(!canMount)("an install folder that cannot take the update", () => {
  test("read-only: a clear message before any download, the old binary intact", async () => {
    const source = track(installDir("0.1.0"));
    const readOnly = track(mountReadOnly(source.dir));
    const { channelUrl, artifactPath } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0"),
      key,
    });
    const installPath = join(readOnly.dir, "ember");
    await expect(upgrade(channelUrl, installPath)).rejects.toThrow(
      new NotWritableError(
        `cannot write ${join(readOnly.dir, ".ember.download.meta")}: the filesystem is read-only`,
      ),
    );
    expect(server.requests.some((r) => r.path === artifactPath)).toBe(false);
    expect(runInstalled(installPath)).toBe("ember 0.1.0");
  });

  test("too small for the download: refused before fetching, nothing left behind", async () => {
    const disk = track(mountTmpfs("1m"));
    const installPath = join(disk.dir, "ember");
    writeFakeBinary(installPath, "0.1.0");
    const { channelUrl, artifactPath } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { size: 2 * 1024 * 1024 }),
      key,
    });
    await expect(upgrade(channelUrl, installPath)).rejects.toThrow(/not enough space in .*: 2.0 MiB needed/);
    expect(server.requests.some((r) => r.path === artifactPath)).toBe(false);
    expect(runInstalled(installPath)).toBe("ember 0.1.0");
  });

  test("disk filling up during the download (ENOSPC): NoSpaceError, partial removed, old binary intact", async () => {
    const disk = track(mountTmpfs("1m"));
    const installPath = join(disk.dir, "ember");
    writeFakeBinary(installPath, "0.1.0");
    const { channelUrl, artifactPath } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { size: 300_000 }),
      key,
    });
    // Between the space check and the first write, something else takes the rest of the disk.
    server.beforeServe.set(artifactPath, () => {
      const { bavail, bsize } = statfsSync(disk.dir);
      try {
        writeFileSync(join(disk.dir, "filler"), new Uint8Array(bavail * bsize));
      } catch {
        // ENOSPC on the last block: the disk is as full as it gets, which is the point.
      }
    });
    const error = await upgrade(channelUrl, installPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSpaceError);
    expect((error as Error).message).toBe(
      `cannot write ${join(disk.dir, ".ember.download")}: no space left on the device`,
    );
    expect(readdirSync(disk.dir).sort()).toEqual(["ember", "filler"]);
    expect(runInstalled(installPath)).toBe("ember 0.1.0");
  });
});
