import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { readFileCapped, UnsafeFileError } from "../fs/safe-open.ts";
import { ReleaseError } from "./errors.ts";
import { writeUpdateFile } from "./fs-errors.ts";
import { TARGETS, type Target } from "./targets.ts";

/**
 * What scripts/build.ts records beside each binary (`<binary>.build.json`): the version baked into
 * it and its hash. A release publishes a binary only when its record says the release's version and
 * the bytes are still the ones built, so `make release VERSION=0.3.0` can never sign a stale 0.2.0
 * build as 0.3.0 (nodes would refuse it at self-test anyway, after downloading it).
 */
const BuildRecordSchema = v.object({
  target: v.picklist(TARGETS),
  version: v.string(),
  sha256: v.string(),
  bytes: v.number(),
});
export type BuildRecord = v.InferOutput<typeof BuildRecordSchema>;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function buildRecordPath(binary: string): string {
  return `${binary}.build.json`;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function writeBuildRecord(binary: string, target: Target, version: string): BuildRecord {
  const bytes = readFileSync(binary);
  const record: BuildRecord = { target, version, sha256: sha256Of(bytes), bytes: bytes.length };
  writeUpdateFile(buildRecordPath(binary), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Throws a one-line ReleaseError unless `binary` is the `target` build of `version`, unchanged. */
export function checkBuildRecord(binary: string, target: Target, version: string): void {
  const recordPath = buildRecordPath(binary);
  const rebuild = `rebuild with: bun scripts/build.ts --version ${version} (make release does)`;
  let text: string;
  try {
    // A target, a version, a hash and a size: anything larger is not a build record.
    text = readFileCapped(recordPath, 64 * 1024).toString("utf8");
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    const why = error.missing ? "missing" : `unreadable (${error.reason})`;
    throw new ReleaseError(`${binary}: its build record ${recordPath} is ${why}; ${rebuild}`);
  }
  const parsed = v.safeParse(BuildRecordSchema, parseJson(text));
  if (!parsed.success) {
    throw new ReleaseError(`${recordPath}: not a build record (target and version expected); ${rebuild}`);
  }
  const record = parsed.output;
  if (record.target !== target) {
    throw new ReleaseError(
      `${binary}: the build record says ${record.target}, the file is ${target}; ${rebuild}`,
    );
  }
  if (record.version !== version) {
    throw new ReleaseError(`${binary} is a build of ${record.version}, not ${version}; ${rebuild}`);
  }
  if (record.sha256 !== sha256Of(readFileSync(binary))) {
    throw new ReleaseError(`${binary} has changed since it was built; ${rebuild}`);
  }
}
