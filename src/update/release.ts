import { sign } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { fsyncFile, syncDirectory } from "../fs/atomic-write.ts";
import { checkBuildRecord, sha256Of } from "./build-record.ts";
import { ReleaseError } from "./errors.ts";
import { writeUpdateFile } from "./fs-errors.ts";
import { readReleasePrivateKey } from "./keys.ts";
import { type FileEntry, formatManifest, type Manifest, parseManifest } from "./manifest.ts";
import { elfTarget, isTarget, type Target } from "./targets.ts";
import { isVersion } from "./version.ts";

export const DEFAULT_EXPIRES_DAYS = 90;

export interface ReleaseOptions {
  version: string;
  keyPath: string;
  distDir: string;
  /** The release root; the channel is written to `<outDir>/<channel>/`, ready to mirror as is. */
  outDir: string;
  channel?: string;
  expiresDays?: number;
  /** Model files to offer to `ember model pull NAME`. */
  models?: Record<string, string>;
  now?: Date;
}

/** dist/ file names the build writes; `ember` is the host build, whichever target that is. */
const BUILD_FILES = ["ember", "ember-linux-x64", "ember-linux-arm64", "ember-linux-arm64-musl"];

/**
 * Builds a channel folder `<outDir>/<channel>/` (nodes check that the folder's name is the signed
 * channel name): each binary in dist/ copied as `ember-<version>-<target>`, models under
 * models/, then manifest.json and its Ed25519 signature manifest.json.sig. A binary's target is read
 * from its ELF header, so a build cannot be published under the wrong target, and its build record
 * must name this version (src/update/build-record.ts).
 */
export function writeRelease(options: ReleaseOptions): { manifest: Manifest; dir: string } {
  const { version, distDir } = options;
  const channel = options.channel ?? "stable";
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(channel))
    throw new ReleaseError(`--channel ${channel}: expected a name like stable`);
  const outDir = join(options.outDir, channel);
  if (!isVersion(version)) throw new ReleaseError(`--version ${version}: expected a version like 1.2.3`);
  const key = readReleasePrivateKey(options.keyPath);
  const days = options.expiresDays ?? DEFAULT_EXPIRES_DAYS;
  if (!Number.isFinite(days) || days <= 0)
    throw new ReleaseError(`--expires-days ${days}: expected a positive number`);
  const now = options.now ?? new Date();

  // Every build is checked before anything is written, so a refused release leaves no files behind.
  const builds = new Map<Target, string>();
  for (const name of BUILD_FILES) {
    const source = join(distDir, name);
    if (!existsSync(source)) continue;
    const target = elfTarget(source);
    if (!target) throw new ReleaseError(`${source}: not a 64-bit ELF executable`);
    if (name !== "ember" && name !== `ember-${target}`) {
      throw new ReleaseError(`${source}: the file is a ${target} build, its name says otherwise`);
    }
    if (!isTarget(target)) throw new ReleaseError(`${source}: ${target} is not a supported target`);
    if (builds.has(target)) throw new ReleaseError(`${source}: a second ${target} build in ${distDir}`);
    checkBuildRecord(source, target, version);
    builds.set(target, source);
  }
  if (builds.size === 0) {
    throw new ReleaseError(
      `${distDir}: no build found (expected ${BUILD_FILES.join(", ")}); run make build first`,
    );
  }

  mkdirSync(outDir, { recursive: true });
  const artifacts: Record<string, FileEntry> = {};
  for (const [target, source] of builds) {
    const file = `ember-${version}-${target}`;
    artifacts[target] = publishFile(source, join(outDir, file), file);
  }

  const models: Record<string, FileEntry> = {};
  for (const [name, source] of Object.entries(options.models ?? {})) {
    if (!existsSync(source)) throw new ReleaseError(`--model ${name}=${source}: no such file`);
    mkdirSync(join(outDir, "models"), { recursive: true });
    const file = `models/${basename(source)}`;
    models[name] = publishFile(source, join(outDir, file), file);
  }

  const manifest: Manifest = {
    version,
    channel,
    published: isoSeconds(now),
    expires: isoSeconds(new Date(now.getTime() + days * 86_400_000)),
    artifacts,
    ...(Object.keys(models).length > 0 ? { models } : {}),
  };
  const bytes = Buffer.from(formatManifest(manifest));
  parseManifest(bytes); // The release must pass the same schema the nodes apply.
  writeUpdateFile(join(outDir, "manifest.json"), bytes);
  writeUpdateFile(join(outDir, "manifest.json.sig"), `${sign(null, bytes, key).toString("base64")}\n`);
  return { manifest, dir: outDir };
}

function publishFile(source: string, destination: string, url: string): FileEntry {
  const temp = `${destination}.tmp`;
  copyFileSync(source, temp);
  fsyncFile(temp);
  renameSync(temp, destination);
  syncDirectory(join(destination, ".."));
  const bytes = readFileSync(destination);
  return { url, size: statSync(destination).size, sha256: sha256Of(bytes) };
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
