import * as v from "valibot";
import { ManifestFormatError } from "./errors.ts";
import { isVersion } from "./version.ts";

const Sha256Schema = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits"));

const FileEntrySchema = v.strictObject({
  url: v.pipe(v.string(), v.minLength(1, "expected a URL")),
  size: v.pipe(
    v.number(),
    v.integer("expected a whole number of bytes"),
    v.minValue(1, "expected > 0 bytes"),
  ),
  sha256: Sha256Schema,
});

const TimestampSchema = v.pipe(
  v.string(),
  v.isoTimestamp("expected an ISO 8601 timestamp like 2025-01-31T12:00:00Z"),
);

export const ManifestSchema = v.strictObject({
  version: v.pipe(v.string(), v.check(isVersion, "expected a version like 1.2.3")),
  channel: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9._-]*$/, "expected a channel name like stable")),
  published: TimestampSchema,
  expires: TimestampSchema,
  artifacts: v.record(v.string(), FileEntrySchema),
  models: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)), FileEntrySchema)),
});

export type Manifest = v.InferOutput<typeof ManifestSchema>;
export type FileEntry = v.InferOutput<typeof FileEntrySchema>;

/**
 * Parses a manifest's bytes. Call only after the signature over these exact bytes has verified:
 * the parser is then reading data the release key vouched for.
 */
export function parseManifest(bytes: Uint8Array, where = "manifest.json"): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ManifestFormatError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const result = v.safeParse(ManifestSchema, data);
  if (!result.success) {
    const issue = result.issues[0];
    const key = issue ? v.getDotPath(issue) : null;
    throw new ManifestFormatError(`${where}: ${key ?? "(top level)"}: ${issue?.message ?? "invalid"}`);
  }
  return result.output;
}

/** Serialises a manifest the way the release script signs it (stable key order, trailing newline). */
export function formatManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
