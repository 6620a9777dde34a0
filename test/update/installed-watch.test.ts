import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { watchInstalledBinary } from "../../src/update/installed-watch.ts";
import { writeStartMarker } from "../../src/update/marker-file.ts";
import { writeFakeBinary } from "./fixtures/binaries.ts";
import { type InstallDir, installDir } from "./fixtures/install-dir.ts";

let install: InstallDir;
beforeEach(() => {
  install = installDir("0.1.0");
});
afterEach(() => install.remove());

function replaceWith(version: string): void {
  const staged = join(install.dir, ".ember.download");
  writeFakeBinary(staged, version);
  renameSync(staged, install.path);
}

describe("watchInstalledBinary", () => {
  test("says nothing until the binary is replaced, then names the new version", () => {
    const poll = watchInstalledBinary(install.path);
    expect(poll()).toBeUndefined();
    replaceWith("0.2.0");
    expect(poll()).toBe("ember 0.2.0 is installed; restart to use it (quit and run ember)");
  });

  test("takes the version from the start marker when there is one", () => {
    const poll = watchInstalledBinary(install.path);
    replaceWith("0.2.0");
    writeStartMarker(join(install.dir, ".ember.start-pending"), {
      version: "0.2.0-marker",
      previousVersion: "0.1.0",
    });
    expect(poll()).toStartWith("ember 0.2.0-marker is installed");
  });

  test("without a known install path it never reports", () => {
    const poll = watchInstalledBinary(undefined);
    expect(poll()).toBeUndefined();
  });
});
