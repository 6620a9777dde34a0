/**
 * Everything that can stop an update, as classes callers can match on. Every message is one line
 * the operator can act on; none of them leaves the installed binary changed.
 */
export class UpdateError extends Error {
  override name = "UpdateError";
}

/** The manifest is not valid JSON or does not have the documented shape. */
export class ManifestFormatError extends UpdateError {
  override name = "ManifestFormatError";
}

/** No trusted key verifies the manifest's signature (missing, malformed, tampered or another key). */
export class SignatureError extends UpdateError {
  override name = "SignatureError";
}

/** No public key is trusted, so no signature could ever verify. */
export class NoTrustedKeysError extends UpdateError {
  override name = "NoTrustedKeysError";
}

/** A configured or built-in public key is not a base64 Ed25519 key. */
export class PublicKeyFormatError extends UpdateError {
  override name = "PublicKeyFormatError";
}

/** The manifest's `expires` has passed: a mirror may be replaying an old release (freeze attack). */
export class ManifestExpiredError extends UpdateError {
  override name = "ManifestExpiredError";
}

/** The manifest belongs to another channel than the one asked for. */
export class ChannelMismatchError extends UpdateError {
  override name = "ChannelMismatchError";
}

/** The release has no build for this node's CPU and C library. */
export class NoArtifactForTargetError extends UpdateError {
  override name = "NoArtifactForTargetError";
}

/** The offered version is not newer than the running one, and no downgrade was allowed. */
export class NotNewerError extends UpdateError {
  override name = "NotNewerError";
}

/** A response ended before the expected size; the partial file is kept for resuming. */
export class TruncatedDownloadError extends UpdateError {
  override name = "TruncatedDownloadError";
}

/** A response went past the size the signed manifest allows (endless-data defence). */
export class OversizeError extends UpdateError {
  override name = "OversizeError";
}

/** The downloaded bytes do not hash to the manifest's sha256. */
export class ChecksumMismatchError extends UpdateError {
  override name = "ChecksumMismatchError";
}

/** The server answered with an HTTP error, or could not be reached. */
export class FetchError extends UpdateError {
  override name = "FetchError";
}

/** The folder the binary or model goes into cannot be written (read-only, permissions). */
export class NotWritableError extends UpdateError {
  override name = "NotWritableError";
}

/** The disk is full, or would be before the download is complete. */
export class NoSpaceError extends UpdateError {
  override name = "NoSpaceError";
}

/** The new binary did not pass `ember self-test` (or `--version`): it is not installed. */
export class SelfTestFailedError extends UpdateError {
  override name = "SelfTestFailedError";
}

/** Which binary to replace is unknown (running from source without --install-path). */
export class InstallPathError extends UpdateError {
  override name = "InstallPathError";
}

/** `--rollback` asked for, but no previous binary is kept. */
export class NoPreviousVersionError extends UpdateError {
  override name = "NoPreviousVersionError";
}

/** No channel is configured or given, or the given one is not a URL or folder. */
export class ChannelError extends UpdateError {
  override name = "ChannelError";
}

/** `scripts/release.ts` cannot build the release folder (missing build, bad key, mislabelled binary). */
export class ReleaseError extends UpdateError {
  override name = "ReleaseError";
}

/** `ember model pull NAME`: the channel's manifest offers no model by that name. */
export class UnknownModelError extends UpdateError {
  override name = "UnknownModelError";
}
