import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { syncDirectory } from "../fs/atomic-write.ts";
import { loadChannel, resolveChannel, resolveEntryUrl } from "./channel.ts";
import { downloadVerified } from "./download.ts";
import { FetchError, UnknownModelError, UpdateError } from "./errors.ts";
import { explainFsError } from "./fs-errors.ts";
import { trustedPublicKeys } from "./keys.ts";
import type { ProgressSink } from "./progress.ts";

export interface ModelPullOptions {
  /** A model name from the channel's manifest, or an http(s) URL (then `sha256` is required). */
  source: string;
  dir: string;
  sha256?: string;
  /** Bytes of a URL download; default: the server's Content-Length. */
  size?: number;
  channel: string;
  publicKeys: readonly string[];
  now?: Date;
  /** The vault whose state keeps the clock floor (see clock-floor.ts). */
  vaultDir?: string;
  say: (line: string) => void;
  progress?: (label: string) => ProgressSink;
  idleTimeoutMs?: number;
}

export interface ModelPullResult {
  path: string;
  /** False when the file was already there with the right checksum. */
  downloaded: boolean;
}

/**
 * Fetches a model into `dir` with the same guarantees as a binary update: size cap, resume, sha256,
 * then one atomic rename; a half-downloaded model never carries the final name.
 */
export async function pullModel(options: ModelPullOptions): Promise<ModelPullResult> {
  const entry = await resolveModel(options);
  const fileName = decodeURIComponent(new URL(entry.url).pathname.split("/").at(-1) ?? "");
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(fileName)) {
    throw new UpdateError(`${entry.url}: cannot name a model file "${fileName}"`);
  }
  const path = join(options.dir, fileName);
  if (existsSync(path) && statSync(path).size === entry.size && (await sha256Of(path)) === entry.sha256) {
    options.say(`${path} is already present and verified`);
    return { path, downloaded: false };
  }
  try {
    mkdirSync(options.dir, { recursive: true });
  } catch (error) {
    throw explainFsError(error, options.dir);
  }
  const partialPath = join(options.dir, `.${fileName}.download`);
  const sink = options.progress?.(fileName);
  try {
    await downloadVerified({
      url: entry.url,
      partialPath,
      size: entry.size,
      sha256: entry.sha256,
      onProgress: sink ? (p) => sink.update(p) : undefined,
      idleTimeoutMs: options.idleTimeoutMs,
    });
  } finally {
    sink?.done();
  }
  try {
    renameSync(partialPath, path);
    rmSync(`${partialPath}.meta`, { force: true });
    syncDirectory(options.dir);
  } catch (error) {
    throw explainFsError(error, path);
  }
  options.say(`saved ${path} (${entry.size} bytes, sha256 verified)`);
  return { path, downloaded: true };
}

async function resolveModel(
  options: ModelPullOptions,
): Promise<{ url: string; size: number; sha256: string }> {
  if (/^https?:\/\//i.test(options.source)) {
    const sha256 = options.sha256?.toLowerCase();
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new UpdateError(`${options.source}: pass --sha256 with the file's 64-hex-digit checksum`);
    }
    const size = options.size ?? (await contentLength(options.source));
    return { url: options.source, size, sha256 };
  }
  const location = resolveChannel(options.channel);
  const { manifest, clockProblem } = await loadChannel(location, trustedPublicKeys(options.publicKeys), {
    now: options.now ?? new Date(),
    vaultDir: options.vaultDir,
  });
  if (clockProblem) options.say(clockProblem);
  const model = manifest.models?.[options.source];
  if (!model) {
    const names = Object.keys(manifest.models ?? {}).join(", ") || "none";
    throw new UnknownModelError(
      `channel ${location.name} has no model "${options.source}" (it has: ${names})`,
    );
  }
  return { ...model, url: resolveEntryUrl(location, model.url) };
}

async function contentLength(url: string): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, { method: "HEAD", headers: { "Accept-Encoding": "identity" } });
  } catch (error) {
    throw new FetchError(`cannot fetch ${url}: ${(error as Error).message}`);
  }
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (!response.ok || !Number.isInteger(length) || length <= 0) {
    throw new FetchError(`${url}: the server does not say the file's size; pass --size BYTES`);
  }
  return length;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
