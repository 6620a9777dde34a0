import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBuildRecord } from "../../src/update/build-record.ts";
import { loadChannel, resolveChannel } from "../../src/update/channel.ts";
import { trustedPublicKeys, writeReleaseKeyPair } from "../../src/update/keys.ts";
import { elfTarget, type Target } from "../../src/update/targets.ts";
import { sha256 } from "./fixtures/channel.ts";
import { BUN } from "./fixtures/cli-env.ts";
import { elfImage } from "./fixtures/elf.ts";

const script = join(import.meta.dir, "../../scripts/release.ts");
let root: string;
let dist: string;
let out: string;
let keyPrefix: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ember-release-"));
  dist = join(root, "dist");
  out = join(root, "out");
  mkdirSync(dist);
  keyPrefix = join(root, "release");
  writeReleaseKeyPair(keyPrefix);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function release(...extra: string[]) {
  const run = Bun.spawnSync([
    BUN,
    script,
    "--version",
    "0.2.0",
    "--key",
    `${keyPrefix}.key`,
    "--dist",
    dist,
    "--out",
    out,
    ...extra,
  ]);
  return { code: run.exitCode, out: run.stdout.toString(), err: run.stderr.toString() };
}

function hostTarget(): Target {
  const target = elfTarget("/bin/true");
  if (target !== "linux-x64" && target !== "linux-arm64") throw new Error(`unexpected host ${target}`);
  return target;
}

describe("elfTarget", () => {
  test("reads CPU and C library from the ELF header", () => {
    const arm = join(root, "arm");
    writeFileSync(arm, elfImage("arm64", "/lib/ld-musl-aarch64.so.1"));
    expect(elfTarget(arm)).toBe("linux-arm64-musl");
    writeFileSync(arm, elfImage("arm64", "/lib/ld-linux-aarch64.so.1"));
    expect(elfTarget(arm)).toBe("linux-arm64");
    expect(elfTarget("/bin/sh")).toBe(process.arch === "arm64" ? "linux-arm64" : "linux-x64");
    writeFileSync(arm, "#!/bin/sh\n");
    expect(elfTarget(arm)).toBeUndefined();
  });
});

describe("scripts/release.ts", () => {
  test("writes artifacts, models, manifest.json and a signature that verifies with OUT.pub", async () => {
    copyFileSync("/bin/true", join(dist, "ember"));
    writeBuildRecord(join(dist, "ember"), hostTarget(), "0.2.0");
    const musl = elfImage("arm64", "/lib/ld-musl-aarch64.so.1");
    writeFileSync(join(dist, "ember-linux-arm64-musl"), musl);
    writeBuildRecord(join(dist, "ember-linux-arm64-musl"), "linux-arm64-musl", "0.2.0");
    const model = join(root, "tiny.gguf");
    writeFileSync(model, "GGUF tiny model");
    const run = release("--expires-days", "30", "--model", `tiny=${model}`);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const channelDir = join(out, "stable");
    expect(run.out).toContain(`wrote ${channelDir}: ember 0.2.0 for`);

    const host = elfTarget("/bin/true") ?? "";
    const manifest = JSON.parse(readFileSync(join(channelDir, "manifest.json"), "utf8"));
    expect(manifest.version).toBe("0.2.0");
    expect(manifest.channel).toBe("stable");
    expect(Date.parse(manifest.expires) - Date.parse(manifest.published)).toBe(30 * 86_400_000);
    expect(manifest.artifacts[host]).toEqual({
      url: `ember-0.2.0-${host}`,
      size: readFileSync("/bin/true").length,
      sha256: sha256(readFileSync("/bin/true")),
    });
    expect(manifest.artifacts["linux-arm64-musl"].sha256).toBe(sha256(musl));
    expect(readFileSync(join(channelDir, "ember-0.2.0-linux-arm64-musl")).equals(Buffer.from(musl))).toBe(
      true,
    );
    expect(manifest.models.tiny).toEqual({
      url: "models/tiny.gguf",
      size: 15,
      sha256: sha256(readFileSync(model)),
    });

    // A node reading the folder straight off a USB stick verifies it with the public key.
    const pub = readFileSync(`${keyPrefix}.pub`, "utf8").trim();
    const loaded = await loadChannel(resolveChannel(channelDir), trustedPublicKeys([pub]), {
      now: new Date(),
    });
    expect(loaded.manifest).toEqual(manifest);
  });

  test("refuses a binary whose name claims another target than its ELF header", () => {
    copyFileSync("/bin/true", join(dist, "ember-linux-arm64"));
    const run = release();
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `ember-linux-arm64: the file is a ${elfTarget("/bin/true")} build, its name says otherwise`,
    );
  });

  test("publishes only a build whose record names this version and whose bytes are unchanged", () => {
    const binary = join(dist, "ember");
    copyFileSync("/bin/true", binary);
    expect(release().err).toBe(
      `release: ${binary}: its build record ${binary}.build.json is missing; rebuild with: bun scripts/build.ts --version 0.2.0 (make release does)\n`,
    );
    writeBuildRecord(binary, hostTarget(), "0.1.0");
    expect(release().err).toContain(`${binary} is a build of 0.1.0, not 0.2.0; rebuild with`);
    writeBuildRecord(binary, hostTarget(), "0.2.0");
    writeFileSync(binary, Buffer.concat([readFileSync("/bin/true"), Buffer.from("patched")]));
    expect(release().err).toContain(`${binary} has changed since it was built`);
    writeFileSync(`${binary}.build.json`, "{}");
    expect(release().err).toContain(`${binary}.build.json: not a build record`);
    expect(existsSync(out)).toBe(false);
  });

  test("refuses a dist/ without builds, and a key that is not Ed25519", () => {
    expect(release().err).toContain("no build found");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(`${keyPrefix}.key`, privateKey.export({ type: "pkcs8", format: "pem" }));
    copyFileSync("/bin/true", join(dist, "ember"));
    expect(release().err).toContain("release keys are Ed25519");
  });

  test("requires --version and --key", () => {
    const run = Bun.spawnSync([BUN, script, "--dist", dist]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.toString()).toContain("--version and --key are required");
  });
});
