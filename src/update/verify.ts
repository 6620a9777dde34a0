import { type KeyObject, verify } from "node:crypto";
import {
  ChannelMismatchError,
  ManifestExpiredError,
  NoArtifactForTargetError,
  NoTrustedKeysError,
  NotNewerError,
  SignatureError,
} from "./errors.ts";
import type { FileEntry, Manifest } from "./manifest.ts";
import { compareVersions } from "./version.ts";

/**
 * Verifies an Ed25519 signature (base64 text) over the manifest's exact bytes against each trusted
 * key and returns the index of the key that matched. Verification comes before parsing, so a
 * forged manifest is never even read.
 */
export function verifyManifestSignature(
  manifestBytes: Uint8Array,
  signatureText: string,
  keys: readonly KeyObject[],
): number {
  if (keys.length === 0) {
    throw new NoTrustedKeysError(
      "no release public key is trusted: add the channel's key to update.publicKeys in the config",
    );
  }
  const trimmed = signatureText.trim();
  const signature = Buffer.from(trimmed, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || signature.length !== 64) {
    throw new SignatureError("manifest.json.sig: not a base64 Ed25519 signature (64 bytes)");
  }
  const index = keys.findIndex((key) => verify(null, manifestBytes, key, signature));
  if (index < 0) {
    throw new SignatureError(
      "manifest.json.sig: the signature does not match manifest.json under any trusted key (tampered, or signed by another key)",
    );
  }
  return index;
}

export interface ManifestExpectations {
  /** The node's now: the later of its clock and the clock floor (see clock-floor.ts). */
  now: Date;
  /** The channel the node asked for: a mirror must not swap in another channel's manifest. */
  channel: string;
}

/**
 * Checks a signed manifest is current and for the asked channel. A `published` later than the
 * clock is no error: the signature vouches for it, so the clock is behind (see clock-floor.ts).
 */
export function checkManifest(manifest: Manifest, expect: ManifestExpectations): void {
  if (Date.parse(manifest.expires) <= expect.now.getTime()) {
    throw new ManifestExpiredError(
      `manifest.json expired at ${manifest.expires} (now here: ${expect.now.toISOString()}): the channel was not re-signed, or a mirror serves an old copy`,
    );
  }
  if (manifest.channel !== expect.channel) {
    throw new ChannelMismatchError(
      `manifest.json is for channel "${manifest.channel}", but channel "${expect.channel}" was asked for`,
    );
  }
}

/** The artifact built for `target`; a release without one is an error naming what it has. */
export function artifactFor(manifest: Manifest, target: string): FileEntry {
  const artifact = manifest.artifacts[target];
  if (!artifact) {
    const offered = Object.keys(manifest.artifacts).join(", ") || "none";
    throw new NoArtifactForTargetError(
      `ember ${manifest.version} has no build for ${target} (the release has: ${offered})`,
    );
  }
  return artifact;
}

/** Refuses a version that is not newer than the running one (rollback attack) unless asked to. */
export function checkNewer(offered: string, current: string, allowDowngrade: boolean): void {
  const order = compareVersions(offered, current);
  if (order <= 0 && !allowDowngrade) {
    const what = order === 0 ? "the same version as" : "older than";
    throw new NotNewerError(
      `ember ${offered} is ${what} the running ${current}; pass --allow-downgrade to install it anyway`,
    );
  }
}
