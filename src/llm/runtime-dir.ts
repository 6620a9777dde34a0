import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { syncDirectory, writeFileDurably } from "../fs/atomic-write.ts";
import { readFileCapped } from "../fs/safe-open.ts";
import { isAlive } from "../os/process-alive.ts";

/** One file of the native runtime, as the build saw it. `path` is relative, `/`-separated. */
export interface RuntimeFile {
  path: string;
  size: number;
  sha256: string;
}

/** What the build embeds: the files, and the version and content hash that name their folder. */
export interface RuntimeManifest {
  version: string;
  hash: string;
  files: RuntimeFile[];
}

/** How a call to `unpackRuntime` found the folder. */
export type UnpackOutcome = "unpacked" | "reused" | "repaired";

export interface UnpackResult {
  dir: string;
  outcome: UnpackOutcome;
  ms: number;
}

/** The runtime folder cannot be created or written (read-only, full, no permission). */
export class RuntimeDirError extends Error {
  override name = "RuntimeDirError";
  constructor(
    readonly runtimeDir: string,
    readonly code: string,
    detail: string,
  ) {
    super(
      `cannot unpack native runtime into ${runtimeDir}: ${code} ${detail}; set runtime.dir or EMBER_RUNTIME_DIR`,
    );
  }
}

/** The embedded bytes do not match the manifest: the binary itself is damaged. */
export class RuntimePayloadError extends Error {
  override name = "RuntimePayloadError";
}

const STAMP = ".complete.json";
/** A size and mtime per runtime file (a few dozen): a larger stamp is not ours, and is not parsed. */
const STAMP_MAX_BYTES = 1024 * 1024;
// Errors that mean "this place cannot hold the runtime"; anything else is a bug and propagates as is.
const PLACE_ERRORS = new Set([
  "EROFS",
  "EACCES",
  "EPERM",
  "ENOSPC",
  "EDQUOT",
  "ENOTDIR",
  "EEXIST",
  "ENAMETOOLONG",
]);

/**
 * Where the runtime lives when config says nothing: `$EMBER_RUNTIME_DIR`, else root's
 * `/var/lib/ember/runtime` (the appliance's service user), else the XDG cache.
 */
export function defaultRuntimeDir(
  env: NodeJS.ProcessEnv = process.env,
  uid: number | undefined = process.getuid?.(),
  home: string = homedir(),
): string {
  if (env.EMBER_RUNTIME_DIR) return env.EMBER_RUNTIME_DIR;
  if (uid === 0) return "/var/lib/ember/runtime";
  const cache = env.XDG_CACHE_HOME || join(home, ".cache");
  return join(cache, "ember", "runtime");
}

/** The folder name a manifest unpacks into: readable version, then enough hash to never collide. */
export function runtimeFolderName(manifest: RuntimeManifest): string {
  return `${manifest.version}-${manifest.hash.slice(0, 16)}`;
}

/** Describes the files under `root` (paths relative to it) for embedding; the hash covers names and bytes. */
export function manifestFor(root: string, paths: string[], version: string): RuntimeManifest {
  const files = [...paths].sort().map((path) => {
    const bytes = readFileSync(join(root, path));
    return { path, size: bytes.length, sha256: sha256(bytes) };
  });
  const whole = createHash("sha256");
  for (const file of files) whole.update(`${file.path}\0${file.size}\0${file.sha256}\n`);
  return { version, hash: whole.digest("hex"), files };
}

/**
 * Makes `<runtimeDir>/<version>-<hash>/` hold exactly the manifest's files, copying them from
 * `sourceDir` when it does not. A finished folder carries a stamp with each file's size and mtime:
 * a start compares those (cheap), and hashes every file only when the stamp is missing or a file
 * differs. Files are written into a temp folder beside the target, fsynced, hash-checked and then
 * renamed into place, so a reader never sees half a runtime and a racing first run just uses the
 * winner's folder.
 */
export function unpackRuntime(
  manifest: RuntimeManifest,
  sourceDir: string,
  runtimeDir: string,
): UnpackResult {
  const started = performance.now();
  const dir = join(runtimeDir, runtimeFolderName(manifest));
  const finish = (outcome: UnpackOutcome): UnpackResult => ({
    dir,
    outcome,
    ms: performance.now() - started,
  });

  const state = inspectFolder(dir, manifest);
  if (state === "valid") return finish("reused");
  if (state === "unstamped-valid") {
    // A verified folder we cannot stamp (e.g. a read-only image) is still good; it costs a full
    // hash on each start instead.
    try {
      writeStamp(dir, manifest);
    } catch (error) {
      if (!isPlaceError(error)) throw error;
    }
    return finish("reused");
  }

  sweepDeadTempFolders(runtimeDir);
  const temp = placeErrors(runtimeDir, () => writeTempFolder(manifest, sourceDir, dir));
  try {
    if (state === "absent") {
      if (tryRename(temp, dir)) {
        syncDirectory(runtimeDir);
        return finish("unpacked");
      }
      // Lost a race: the winner's folder is complete once it exists, but check it like any start.
      if (inspectFolder(dir, manifest) === "valid") return finish("reused");
    } else if (inspectFolder(dir, manifest) === "valid") {
      // Someone else repaired it while we were writing.
      return finish("reused");
    }
    placeErrors(runtimeDir, () => replaceFolder(temp, dir, manifest));
    return finish("repaired");
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

type FolderState = "absent" | "valid" | "unstamped-valid" | "corrupt";

interface Stamp {
  hash: string;
  files: Record<string, { size: number; mtimeMs: number }>;
}

function inspectFolder(dir: string, manifest: RuntimeManifest): FolderState {
  if (!exists(dir)) return "absent";
  const stamp = readStamp(dir);
  if (stamp && stamp.hash === manifest.hash && stampMatches(dir, manifest, stamp)) return "valid";
  return allHashesMatch(dir, manifest) ? "unstamped-valid" : "corrupt";
}

function stampMatches(dir: string, manifest: RuntimeManifest, stamp: Stamp): boolean {
  return manifest.files.every((file) => {
    const recorded = stamp.files[file.path];
    const actual = statOrUndefined(join(dir, file.path));
    return (
      recorded !== undefined &&
      actual !== undefined &&
      actual.size === file.size &&
      actual.size === recorded.size &&
      actual.mtimeMs === recorded.mtimeMs
    );
  });
}

function allHashesMatch(dir: string, manifest: RuntimeManifest): boolean {
  return manifest.files.every((file) => {
    const path = join(dir, file.path);
    const stat = statOrUndefined(path);
    return stat !== undefined && stat.size === file.size && sha256(readFileSync(path)) === file.sha256;
  });
}

function writeTempFolder(manifest: RuntimeManifest, sourceDir: string, dir: string): string {
  mkdirSync(dirname(dir), { recursive: true });
  const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(temp);
  try {
    const made = new Set<string>([temp]);
    for (const file of manifest.files) {
      const bytes = readFileSync(join(sourceDir, file.path));
      if (bytes.length !== file.size || sha256(bytes) !== file.sha256) {
        throw new RuntimePayloadError(
          `embedded native file ${file.path} does not match the build's manifest`,
        );
      }
      const target = join(temp, file.path);
      const parent = dirname(target);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
      writeFileDurably(target, bytes);
    }
    // Read back what landed on disk: a short write or a full disk must not pass as a runtime.
    if (!allHashesMatch(temp, manifest)) {
      throw new RuntimeDirError(dirname(dir), "EIO", "unpacked files do not match their hashes");
    }
    writeStamp(temp, manifest);
    for (const folder of [...made].sort((a, b) => b.length - a.length)) syncDirectory(folder);
    return temp;
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

function writeStamp(dir: string, manifest: RuntimeManifest): void {
  const files: Stamp["files"] = {};
  for (const file of manifest.files) {
    const stat = statSync(join(dir, file.path));
    files[file.path] = { size: stat.size, mtimeMs: stat.mtimeMs };
  }
  const stamp: Stamp = { hash: manifest.hash, files };
  const temp = join(dir, `${STAMP}.tmp-${process.pid}`);
  writeFileDurably(temp, Buffer.from(JSON.stringify(stamp)));
  renameSync(temp, join(dir, STAMP));
  syncDirectory(dir);
}

function readStamp(dir: string): Stamp | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileCapped(join(dir, STAMP), STAMP_MAX_BYTES).toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { hash, files } = parsed as Partial<Stamp>;
    return typeof hash === "string" && typeof files === "object" && files !== null
      ? { hash, files }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Swaps a corrupt folder for a good one: the old one is moved aside first, then dropped. */
function replaceFolder(temp: string, dir: string, manifest: RuntimeManifest): void {
  const aside = `${dir}.old-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    renameSync(dir, aside);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  if (!tryRename(temp, dir) && inspectFolder(dir, manifest) !== "valid") {
    throw new RuntimeDirError(dirname(dir), "EEXIST", `${dir} reappeared while it was being repaired`);
  }
  syncDirectory(dirname(dir));
  rmSync(aside, { recursive: true, force: true });
}

function tryRename(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOTEMPTY" || code === "EEXIST") return false;
    throw error;
  }
}

/** Runs a filesystem step, turning "this place cannot hold it" errors into RuntimeDirError. */
function placeErrors<T>(runtimeDir: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    const code = errorCode(error);
    if (code && isPlaceError(error)) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RuntimeDirError(runtimeDir, code, message.replace(/^[A-Z]+: /, ""));
    }
    throw error;
  }
}

function isPlaceError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && PLACE_ERRORS.has(code);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function exists(path: string): boolean {
  return statOrUndefined(path) !== undefined;
}

function statOrUndefined(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}

/** Removes temp and set-aside folders whose writer process is gone (a run killed mid-unpack). */
function sweepDeadTempFolders(runtimeDir: string): void {
  let names: string[];
  try {
    names = readdirSync(runtimeDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /\.(?:tmp|old)-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) {
      rmSync(join(runtimeDir, name), { recursive: true, force: true });
    }
  }
}
