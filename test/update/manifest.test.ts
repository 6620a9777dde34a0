import { describe, expect, test } from "bun:test";
import { ManifestFormatError } from "../../src/update/errors.ts";
import { formatManifest, type Manifest, parseManifest } from "../../src/update/manifest.ts";

const valid: Manifest = {
  version: "0.2.0",
  channel: "stable",
  published: "2025-01-01T00:00:00Z",
  expires: "2025-04-01T00:00:00Z",
  artifacts: {
    "linux-arm64-musl": { url: "ember-0.2.0-linux-arm64-musl", size: 1234, sha256: "a".repeat(64) },
  },
  models: { tiny: { url: "models/tiny.gguf", size: 10, sha256: "b".repeat(64) } },
};

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("parseManifest", () => {
  test("round-trips what the release script writes", () => {
    expect(parseManifest(new TextEncoder().encode(formatManifest(valid)))).toEqual(valid);
  });

  test("models are optional", () => {
    const { models: _, ...withoutModels } = valid;
    expect(parseManifest(bytes(withoutModels)).models).toBeUndefined();
  });

  test.each([
    [{ ...valid, version: "2" }, "manifest.json: version: expected a version like 1.2.3"],
    [{ ...valid, version: "1.2.3+build" }, "manifest.json: version: expected a version like 1.2.3"],
    [
      { ...valid, expires: "tomorrow" },
      "manifest.json: expires: expected an ISO 8601 timestamp like 2025-01-31T12:00:00Z",
    ],
    [{ ...valid, channel: "Stable/../x" }, "manifest.json: channel: expected a channel name like stable"],
    [
      { ...valid, artifacts: { "linux-x64": { url: "x", size: -1, sha256: "a".repeat(64) } } },
      "manifest.json: artifacts.linux-x64.size: expected > 0 bytes",
    ],
    [
      { ...valid, artifacts: { "linux-x64": { url: "x", size: 1, sha256: "ABC" } } },
      "manifest.json: artifacts.linux-x64.sha256: expected 64 lowercase hex digits",
    ],
  ])("names the bad key: %#", (manifest, message) => {
    expect(() => parseManifest(bytes(manifest))).toThrow(new ManifestFormatError(message));
  });

  test("an unknown key is refused rather than ignored", () => {
    expect(() => parseManifest(bytes({ ...valid, install: "curl | sh" }))).toThrow(ManifestFormatError);
  });

  test("bytes that are not UTF-8 JSON are a format error", () => {
    expect(() => parseManifest(new Uint8Array([0xff, 0xfe]))).toThrow(/manifest.json: not valid JSON/);
  });
});
