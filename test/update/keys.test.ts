import { afterAll, describe, expect, test } from "bun:test";
import { createPrivateKey, sign, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMain } from "citty";
import releaseCommand from "../../src/cli/release.ts";
import { PublicKeyFormatError, ReleaseError } from "../../src/update/errors.ts";
import {
  decodePublicKey,
  encodePublicKey,
  generateReleaseKeyPair,
  readReleasePrivateKey,
  trustedPublicKeys,
} from "../../src/update/keys.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("release keys", () => {
  test("`ember release keygen OUT` writes a 0600 PKCS#8 private key and a one-line public key", async () => {
    const prefix = join(dir, "release");
    await runMain(releaseCommand, { rawArgs: ["keygen", prefix] });
    const pem = readFileSync(`${prefix}.key`, "utf8");
    expect(pem).toStartWith("-----BEGIN PRIVATE KEY-----");
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    const pub = readFileSync(`${prefix}.pub`, "utf8");
    expect(pub).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    const message = Buffer.from("manifest bytes");
    const signature = sign(null, message, createPrivateKey(pem));
    expect(verify(null, message, decodePublicKey(pub, "release.pub"), signature)).toBe(true);
  });

  test("keygen refuses to overwrite an existing key without --force", async () => {
    const prefix = join(dir, "twice");
    await runMain(releaseCommand, { rawArgs: ["keygen", prefix] });
    const first = readFileSync(`${prefix}.key`, "utf8");
    await runMain(releaseCommand, { rawArgs: ["keygen", prefix] });
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
    expect(readFileSync(`${prefix}.key`, "utf8")).toBe(first);
  });

  test("a private key file is size-capped before it is parsed: too large, or a FIFO, is one refusal", () => {
    const big = join(dir, "big.key");
    writeFileSync(big, "A".repeat(128 * 1024));
    expect(() => readReleasePrivateKey(big)).toThrow(
      new ReleaseError(`${big}: is 128.0 KiB, over the 64.0 KiB limit; not read`),
    );
    const fifo = join(dir, "fifo.key");
    Bun.spawnSync(["mkfifo", fifo]);
    expect(() => readReleasePrivateKey(fifo)).toThrow(new ReleaseError(`${fifo}: not a regular file`));
  });

  test("a public key decodes from the raw 32-byte form and from SPKI DER", () => {
    const { publicKeyBase64 } = generateReleaseKeyPair();
    const key = decodePublicKey(publicKeyBase64, "k");
    const spki = key.export({ type: "spki", format: "der" }).toString("base64");
    expect(encodePublicKey(decodePublicKey(spki, "k"))).toBe(publicKeyBase64);
  });

  test.each([
    ["not base64!", "update.publicKeys[0]: not base64"],
    [
      Buffer.alloc(31).toString("base64"),
      "update.publicKeys[0]: expected a 32-byte Ed25519 public key, got 31 bytes",
    ],
  ])("a bad configured key is an error naming it: %s", (text, message) => {
    expect(() => trustedPublicKeys([text])).toThrow(new PublicKeyFormatError(message));
  });
});
