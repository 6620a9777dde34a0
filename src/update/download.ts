import { createHash, type Hash } from "node:crypto";
import { accessSync, constants, createReadStream, existsSync, rmSync, statSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileCapped } from "../fs/safe-open.ts";
import {
  ChecksumMismatchError,
  FetchError,
  NoSpaceError,
  OversizeError,
  TruncatedDownloadError,
} from "./errors.ts";
import { ensureFreeSpace, explainFsError, writeUpdateFile } from "./fs-errors.ts";

/** Manifests are a few KB; anything near this is an attack or a misconfigured server. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;
export const SIGNATURE_MAX_BYTES = 16 * 1024;
/** A server that sends nothing for this long is treated as gone (slow-retrieval defence). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * Fetches a small document, reading at most `maxBytes` whatever the server claims or keeps
 * sending (endless-data defence).
 */
export async function fetchCapped(
  url: string,
  maxBytes: number,
  idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
): Promise<Uint8Array> {
  const idle = new IdleTimer(idleTimeoutMs);
  try {
    const response = await openResponse(url, {}, idle.signal);
    if (!response.ok) throw new FetchError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes)
      throw new OversizeError(`${url}: ${declared} bytes is more than the ${maxBytes} allowed`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of readBody(response, url, idle, () => total, maxBytes)) {
      total += chunk.length;
      if (total > maxBytes) throw new OversizeError(`${url}: more than the ${maxBytes} bytes allowed`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } finally {
    idle.stop();
  }
}

export interface DownloadProgress {
  /** Bytes of the file on disk so far, resumed ones included. */
  received: number;
  total: number;
  /** Bytes on disk before this run started (from an earlier, interrupted download). */
  resumedFrom: number;
  /** Milliseconds since this run's first byte was requested. */
  elapsedMs: number;
}

export interface DownloadOptions {
  url: string;
  /** The partial file; `<partialPath>.meta` records which file it is a part of. */
  partialPath: string;
  size: number;
  sha256: string;
  onProgress?: (progress: DownloadProgress) => void;
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  /** Bytes that were already on disk and not fetched again. */
  resumedFrom: number;
  /** Bytes received over the network in this run. */
  fetched: number;
}

interface PartialMeta {
  sha256: string;
  size: number;
}

/**
 * Downloads `url` into `partialPath` and returns once the file holds exactly `size` bytes hashing to
 * `sha256`, fsynced. An existing partial of the same file (per its `.meta`) is resumed with an HTTP
 * Range request; one of another file is discarded. Never reads more than `size` bytes. On a
 * checksum mismatch or a full disk the partial is removed; on a cut connection it is kept for the
 * next run. The caller renames the finished file into place.
 */
export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const { partialPath, size, sha256 } = options;
  const metaPath = `${partialPath}.meta`;
  try {
    let offset = existingPartialLength(partialPath, metaPath, { sha256, size });
    if (offset === size) {
      if ((await hashFile(partialPath)).digest("hex") === sha256) return { resumedFrom: size, fetched: 0 };
      discard(partialPath, metaPath);
      offset = 0;
    }
    if (offset === 0) writeMeta(metaPath, { sha256, size });
    ensureFreeSpace(dirname(partialPath), size - offset);
    return await fetchInto(options, offset, metaPath);
  } catch (error) {
    const explained = explainFsError(error, partialPath);
    // A full disk is everyone's problem on a small node: give the space back rather than keep a partial.
    if (explained instanceof NoSpaceError) discard(partialPath, metaPath);
    throw explained;
  }
}

function writeMeta(metaPath: string, meta: PartialMeta): void {
  writeUpdateFile(metaPath, JSON.stringify(meta));
}

async function fetchInto(
  options: DownloadOptions,
  resumeAt: number,
  metaPath: string,
): Promise<DownloadResult> {
  const { url, partialPath, size, sha256 } = options;
  const idle = new IdleTimer(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  const started = performance.now();
  let file: FileHandle | undefined;
  try {
    const headers: Record<string, string> = resumeAt > 0 ? { Range: `bytes=${resumeAt}-` } : {};
    const response = await openResponse(url, headers, idle.signal);
    let offset = resumeAt;
    if (response.status === 416 && resumeAt > 0) {
      // The server no longer has those bytes (the file changed): start over once.
      await response.body?.cancel();
      idle.stop();
      discard(partialPath, metaPath);
      writeMeta(metaPath, { sha256, size });
      return await fetchInto(options, 0, metaPath);
    }
    if (response.status === 206) {
      const start = Number(
        /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1] ?? Number.NaN,
      );
      if (start !== resumeAt)
        throw new FetchError(`${url}: the server resumed at byte ${start}, not ${resumeAt}`);
    } else if (response.ok) {
      offset = 0; // The server ignored Range: take the whole file from the start.
    } else {
      throw new FetchError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    }
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > size - offset) {
      throw new OversizeError(
        `${url}: the server offers ${declared + offset} bytes, the manifest says ${size}`,
      );
    }
    const hash = offset > 0 ? await hashFile(partialPath, offset) : createHash("sha256");
    file = await open(partialPath, offset > 0 ? "r+" : "w", 0o644);
    await file.truncate(offset);
    let received = offset;
    for await (const chunk of readBody(response, url, idle, () => received, size)) {
      if (received + chunk.length > size) {
        discard(partialPath, metaPath);
        throw new OversizeError(`${url}: the server sent more than the manifest's ${size} bytes`);
      }
      await file.write(chunk, 0, chunk.length, received);
      hash.update(chunk);
      received += chunk.length;
      options.onProgress?.({
        received,
        total: size,
        resumedFrom: resumeAt,
        elapsedMs: performance.now() - started,
      });
    }
    await file.sync();
    await file.close();
    file = undefined;
    if (received < size) {
      throw new TruncatedDownloadError(
        `${url}: the server stopped at ${received} of ${size} bytes; run again to resume`,
      );
    }
    const digest = hash.digest("hex");
    if (digest !== sha256) {
      discard(partialPath, metaPath);
      throw new ChecksumMismatchError(`${url}: sha256 is ${digest}, the signed manifest says ${sha256}`);
    }
    return { resumedFrom: offset, fetched: received - offset };
  } finally {
    idle.stop();
    await file?.close();
  }
}

async function openResponse(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  if (url.startsWith("file:")) checkLocalFile(url);
  try {
    // identity: byte ranges and sizes must refer to the file itself, not a compressed form of it.
    return await fetch(url, {
      headers: { "Accept-Encoding": "identity", ...headers },
      signal,
      redirect: "follow",
    });
  } catch (error) {
    throw new FetchError(`cannot fetch ${url}: ${(error as Error).message}`);
  }
}

/**
 * A file: URL (a channel on a USB stick) must name a readable file. Bun's fetch of a missing one
 * only fails once the body is read, with a bare ENOENT that says nothing about what was wanted.
 */
function checkLocalFile(url: string): void {
  const path = fileURLToPath(url);
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) throw new FetchError(`cannot fetch ${url}: not a file`);
  } catch (error) {
    if (error instanceof FetchError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FetchError(`cannot fetch ${url}: ${code === "ENOENT" ? "no such file" : (code ?? error)}`);
  }
}

/** The body's chunks; a cut connection or a stall becomes a TruncatedDownloadError saying where. */
async function* readBody(
  response: Response,
  url: string,
  idle: IdleTimer,
  position: () => number,
  limit: number,
): AsyncGenerator<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    while (true) {
      idle.restart();
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (error) {
        const why = idle.fired ? `no data for ${idle.ms / 1000} s` : (error as Error).message;
        throw new TruncatedDownloadError(
          `${url}: the transfer broke off at ${position()} of ${limit} bytes (${why}); run again to resume`,
        );
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    reader.releaseLock();
    await response.body.cancel().catch(() => undefined);
  }
}

class IdleTimer {
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;
  constructor(readonly ms: number) {}
  get signal(): AbortSignal {
    return this.#controller.signal;
  }
  restart(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#controller.abort(new Error(`no data for ${this.ms} ms`));
    }, this.ms);
  }
  stop(): void {
    clearTimeout(this.#timer);
  }
}

/** Length of a partial that belongs to this file, or 0 after removing one that does not. */
function existingPartialLength(partialPath: string, metaPath: string, expected: PartialMeta): number {
  let meta: Partial<PartialMeta> | undefined;
  try {
    // A hash and a size: a larger file is not ours, and the partial download starts again.
    meta = JSON.parse(readFileCapped(metaPath, 4096).toString("utf8")) as Partial<PartialMeta>;
  } catch {
    meta = undefined;
  }
  if (!meta || meta.sha256 !== expected.sha256 || meta.size !== expected.size || !existsSync(partialPath)) {
    discard(partialPath, metaPath);
    return 0;
  }
  const length = statSync(partialPath).size;
  if (length > expected.size) {
    discard(partialPath, metaPath);
    return 0;
  }
  return length;
}

function discard(partialPath: string, metaPath: string): void {
  // Checked first: unlink on a read-only file system fails even for a file that is not there.
  for (const path of [partialPath, metaPath]) if (existsSync(path)) rmSync(path, { force: true });
}

async function hashFile(path: string, length?: number): Promise<Hash> {
  const hash = createHash("sha256");
  if (length === 0) return hash;
  const stream = createReadStream(path, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash;
}
