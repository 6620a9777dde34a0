import { type KeyObject, verify } from "node:crypto";
import {
  ChannelMismatchError,
  ManifestExpiredError,
  ManifestFromFutureError,
  NoArtifactForTargetError,
  NoTrustedKeysError,
  NotNewerError,
  SignatureError,
} from "./errors.ts";
import type { FileEntry, Manifest } from "./manifest.ts";
import { compareVersions } from "./version.ts";

/** How far in the future `published` may be before the node's clock or the release is called wrong. */
export const DEFAULT_CLOCK_SKEW_MS = 60 * 60 * 1000;

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
  now: Date;
  /** The channel the node asked for: a mirror must not swap in another channel's manifest. */
  channel: string;
  clockSkewMs?: number;
}

/** Checks a signed manifest is current (not expired, not from the future) and for the asked channel. */
export function checkManifest(manifest: Manifest, expect: ManifestExpectations): void {
  const skew = expect.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const now = expect.now.getTime();
  if (Date.parse(manifest.expires) <= now) {
    throw new ManifestExpiredError(
      `manifest.json expired at ${manifest.expires} (clock here: ${expect.now.toISOString()}): the channel was not re-signed, or a mirror serves an old copy`,
    );
  }
  if (Date.parse(manifest.published) > now + skew) {
    throw new ManifestFromFutureError(
      `manifest.json is published ${manifest.published}, later than this node's clock (${expect.now.toISOString()}): set the clock`,
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
