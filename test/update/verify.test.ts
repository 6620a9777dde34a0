import { describe, expect, test } from "bun:test";
import { sign } from "node:crypto";
import {
  ChannelMismatchError,
  ManifestExpiredError,
  NoArtifactForTargetError,
  NoTrustedKeysError,
  NotNewerError,
  SignatureError,
} from "../../src/update/errors.ts";
import { decodePublicKey } from "../../src/update/keys.ts";
import type { Manifest } from "../../src/update/manifest.ts";
import { artifactFor, checkManifest, checkNewer, verifyManifestSignature } from "../../src/update/verify.ts";
import { testKey } from "./fixtures/channel.ts";

const key = testKey();
const other = testKey();
const bytes = Buffer.from('{"version":"0.2.0"}');
const signature = sign(null, bytes, key.privateKey).toString("base64");
const trusted = [decodePublicKey(other.publicKeyBase64, "a"), decodePublicKey(key.publicKeyBase64, "b")];

describe("verifyManifestSignature", () => {
  test("returns which trusted key signed", () => {
    expect(verifyManifestSignature(bytes, `${signature}\n`, trusted)).toBe(1);
  });
  test("one flipped byte in the manifest fails", () => {
    const tampered = Buffer.from(bytes);
    tampered[3] = (tampered[3] ?? 0) ^ 1;
    expect(() => verifyManifestSignature(tampered, signature, trusted)).toThrow(SignatureError);
  });
  test("a signature by an untrusted key fails", () => {
    expect(() => verifyManifestSignature(bytes, signature, [trusted[0]!])).toThrow(/under any trusted key/);
  });
  test("a truncated signature is malformed", () => {
    expect(() => verifyManifestSignature(bytes, signature.slice(0, 40), trusted)).toThrow(
      /not a base64 Ed25519 signature/,
    );
  });
  test("no trusted keys is its own error", () => {
    expect(() => verifyManifestSignature(bytes, signature, [])).toThrow(NoTrustedKeysError);
  });
});

const manifest: Manifest = {
  version: "0.2.0",
  channel: "stable",
  published: "2025-01-10T00:00:00Z",
  expires: "2025-02-10T00:00:00Z",
  artifacts: { "linux-arm64": { url: "a", size: 1, sha256: "c".repeat(64) } },
};
const at = (iso: string) => ({ now: new Date(iso), channel: "stable" });

describe("checkManifest", () => {
  test("a current manifest of the asked channel passes", () => {
    expect(() => checkManifest(manifest, at("2025-01-20T00:00:00Z"))).not.toThrow();
  });
  test("past `expires` is a freeze attack or a stale mirror", () => {
    expect(() => checkManifest(manifest, at("2025-02-10T00:00:00Z"))).toThrow(ManifestExpiredError);
  });
  test("`published` ahead of now is no error: the signature vouches for it, the clock is behind", () => {
    expect(() => checkManifest(manifest, at("2023-01-09T12:00:00Z"))).not.toThrow();
  });
  test("another channel's manifest is refused", () => {
    expect(() => checkManifest(manifest, { ...at("2025-01-20T00:00:00Z"), channel: "beta" })).toThrow(
      ChannelMismatchError,
    );
  });
});

describe("artifactFor and checkNewer", () => {
  test("the build for this target, or an error listing what the release has", () => {
    expect(artifactFor(manifest, "linux-arm64").url).toBe("a");
    expect(() => artifactFor(manifest, "linux-x64")).toThrow(
      new NoArtifactForTargetError("ember 0.2.0 has no build for linux-x64 (the release has: linux-arm64)"),
    );
  });
  test("only a newer version passes unless a downgrade is allowed", () => {
    expect(() => checkNewer("0.10.0", "0.9.1", false)).not.toThrow();
    expect(() => checkNewer("0.2.0", "0.2.0", false)).toThrow(/the same version as the running 0.2.0/);
    expect(() => checkNewer("0.2.0-rc.1", "0.2.0", false)).toThrow(NotNewerError);
    expect(() => checkNewer("0.1.0", "0.2.0", true)).not.toThrow();
  });
});
