import type { KeyObject } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { advanceClock, type NodeClock } from "./clock-floor.ts";
import { fetchCapped, MANIFEST_MAX_BYTES, SIGNATURE_MAX_BYTES } from "./download.ts";
import { ChannelError, FetchError, SignatureError } from "./errors.ts";
import { type Manifest, parseManifest } from "./manifest.ts";
import { checkManifest, verifyManifestSignature } from "./verify.ts";

export interface ChannelLocation {
  manifestUrl: string;
  signatureUrl: string;
  /** The channel's name: the folder the manifest sits in (`.../stable/manifest.json` -> `stable`). */
  name: string;
}

/**
 * Where a channel's manifest lives. `channel` is an http(s) or file URL, or a local folder (a USB
 * stick carried to an offline node), naming either the channel folder or its manifest.json.
 */
export function resolveChannel(channel: string, cwd: string = process.cwd()): ChannelLocation {
  const trimmed = channel.trim();
  if (!trimmed) {
    throw new ChannelError("no update channel: set update.channel in the config or pass --channel URL");
  }
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    try {
      url = new URL(trimmed);
    } catch {
      throw new ChannelError(`--channel ${trimmed}: not a valid URL`);
    }
    if (!["http:", "https:", "file:"].includes(url.protocol)) {
      throw new ChannelError(`--channel ${trimmed}: only http, https and file URLs are supported`);
    }
  } else {
    url = pathToFileURL(isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed));
  }
  if (!url.pathname.endsWith(".json")) {
    url.pathname = url.pathname.endsWith("/")
      ? `${url.pathname}manifest.json`
      : `${url.pathname}/manifest.json`;
  }
  const segments = url.pathname.split("/").filter(Boolean);
  const name = decodeURIComponent(segments.at(-2) ?? "");
  if (!name) throw new ChannelError(`${url.href}: the manifest must sit in a folder named for its channel`);
  return { manifestUrl: url.href, signatureUrl: `${url.href}.sig`, name };
}

export interface SignedManifest {
  manifest: Manifest;
  location: ChannelLocation;
  /** Index into the trusted keys of the key that signed it. */
  keyIndex: number;
  /** Set when the manifest's time could not be remembered as the node's clock floor. */
  clockProblem?: string;
}

/**
 * Fetches manifest.json and its signature, verifies the signature, then parses it, moves the
 * node's clock floor up to its `published` time, and checks freshness against that.
 */
export async function loadChannel(
  location: ChannelLocation,
  keys: readonly KeyObject[],
  clock: NodeClock,
): Promise<SignedManifest> {
  const bytes = await fetchCapped(location.manifestUrl, MANIFEST_MAX_BYTES);
  let signature: Uint8Array;
  try {
    signature = await fetchCapped(location.signatureUrl, SIGNATURE_MAX_BYTES);
  } catch (error) {
    if (error instanceof FetchError) {
      throw new SignatureError(
        `${location.signatureUrl}: no signature (${error.message}); refusing an unsigned release`,
      );
    }
    throw error;
  }
  const keyIndex = verifyManifestSignature(bytes, new TextDecoder().decode(signature), keys);
  const manifest = parseManifest(bytes, location.manifestUrl);
  const { now, problem } = advanceClock(clock, new Date(manifest.published));
  checkManifest(manifest, { now, channel: location.name });
  return { manifest, location, keyIndex, ...(problem ? { clockProblem: problem } : {}) };
}

/** An artifact or model URL, which the manifest may give relative to itself. */
export function resolveEntryUrl(location: ChannelLocation, url: string): string {
  return new URL(url, location.manifestUrl).href;
}
