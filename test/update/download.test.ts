import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DownloadProgress,
  downloadVerified,
  fetchCapped,
  MANIFEST_MAX_BYTES,
} from "../../src/update/download.ts";
import {
  ChecksumMismatchError,
  FetchError,
  OversizeError,
  TruncatedDownloadError,
} from "../../src/update/errors.ts";
import { sha256 } from "./fixtures/channel.ts";
import { ChannelServer } from "./fixtures/server.ts";

let server: ChannelServer;
let dir: string;
let partialPath: string;
const file = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) % 251);
const digest = sha256(file);

beforeEach(() => {
  server = new ChannelServer();
  server.files.set("/f", file);
  dir = mkdtempSync(join(tmpdir(), "ember-dl-"));
  partialPath = join(dir, ".ember.download");
});
afterEach(() => {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const download = (extra: { url?: string; size?: number; sha256?: string; idleTimeoutMs?: number } = {}) =>
  downloadVerified({ url: `${server.url}/f`, partialPath, size: file.length, sha256: digest, ...extra });

describe("downloadVerified", () => {
  test("fetches the whole file, verified, and reports progress up to the total", async () => {
    const seen: DownloadProgress[] = [];
    const result = await downloadVerified({
      url: `${server.url}/f`,
      partialPath,
      size: file.length,
      sha256: digest,
      onProgress: (p) => seen.push(p),
    });
    expect(result).toEqual({ resumedFrom: 0, fetched: file.length });
    expect(readFileSync(partialPath).equals(Buffer.from(file))).toBe(true);
    expect(seen.at(-1)).toMatchObject({ received: file.length, total: file.length, resumedFrom: 0 });
    expect(JSON.parse(readFileSync(`${partialPath}.meta`, "utf8"))).toEqual({
      sha256: digest,
      size: file.length,
    });
  });

  test("resumes after the server closed mid-transfer: the second request asks for the rest only", async () => {
    server.behaviour.set("/f", "close-mid");
    await expect(download()).rejects.toThrow(TruncatedDownloadError);
    expect(existsSync(partialPath)).toBe(true);
    server.behaviour.delete("/f");
    const result = await download();
    expect(result).toEqual({ resumedFrom: 150_000, fetched: 150_000 });
    expect(server.requests.map((r) => r.range)).toEqual([null, "bytes=150000-"]);
    expect(server.bytesSent("/f")).toBe(file.length);
    expect(readFileSync(partialPath).equals(Buffer.from(file))).toBe(true);
  });

  test("a server that ignores Range is read from the start and still verified", async () => {
    server.behaviour.set("/f", "truncate");
    await expect(download()).rejects.toThrow(/stopped at 150000 of 300000 bytes/);
    server.behaviour.set("/f", "ignore-range");
    expect(await download()).toEqual({ resumedFrom: 0, fetched: file.length });
    expect(server.requests.at(-1)?.range).toBe("bytes=150000-");
    expect(readFileSync(partialPath).equals(Buffer.from(file))).toBe(true);
  });

  test("a partial of another artifact is discarded, not resumed", async () => {
    writeFileSync(partialPath, file.subarray(0, 1000));
    writeFileSync(`${partialPath}.meta`, JSON.stringify({ sha256: "0".repeat(64), size: file.length }));
    expect(await download()).toEqual({ resumedFrom: 0, fetched: file.length });
    expect(server.requests[0]?.range).toBeNull();
  });

  test("a partial without a record of what it is, is discarded", async () => {
    writeFileSync(partialPath, new Uint8Array(1000).fill(1));
    expect(await download()).toEqual({ resumedFrom: 0, fetched: file.length });
  });

  test("a complete, verified partial is not fetched again", async () => {
    await download();
    expect(await download()).toEqual({ resumedFrom: file.length, fetched: 0 });
    expect(server.requests).toHaveLength(1);
  });

  test("a resume the server cannot satisfy (416) starts over once", async () => {
    const shorter = file.subarray(0, 1000);
    server.files.set("/g", shorter);
    writeFileSync(partialPath, new Uint8Array(2000));
    writeFileSync(`${partialPath}.meta`, JSON.stringify({ sha256: sha256(shorter), size: 3000 }));
    await expect(download({ url: `${server.url}/g`, size: 3000, sha256: sha256(shorter) })).rejects.toThrow(
      /stopped at 1000 of 3000/,
    );
    expect(server.requests.map((r) => r.range)).toEqual(["bytes=2000-", null]);
  });

  test("bytes that do not match the sha256 are removed", async () => {
    await expect(download({ sha256: "f".repeat(64) })).rejects.toThrow(ChecksumMismatchError);
    expect(existsSync(partialPath)).toBe(false);
    expect(existsSync(`${partialPath}.meta`)).toBe(false);
  });

  test("never reads more than the manifest's size from a server sending endless data", async () => {
    server.behaviour.set("/f", "endless");
    await expect(download()).rejects.toThrow(/sent more than the manifest's 300000 bytes/);
    expect(existsSync(partialPath)).toBe(false);
    // The client stopped reading: what the server managed to queue is bounded, not endless.
    expect(server.bytesSent("/f")).toBeLessThan(50 * 1024 * 1024);
  });

  test("a declared length above the manifest's size is refused before reading", async () => {
    await expect(download({ size: 1000 })).rejects.toThrow(OversizeError);
  });

  test("a stalled server is given up on after the idle timeout, keeping the partial", async () => {
    server.behaviour.set("/f", "stall");
    await expect(download({ idleTimeoutMs: 300 })).rejects.toThrow(
      /broke off at 150000 of 300000 bytes \(no data for 0.3 s\)/,
    );
    expect(existsSync(partialPath)).toBe(true);
  });

  test("an HTTP error names the URL and status", async () => {
    await expect(download({ url: `${server.url}/missing` })).rejects.toThrow(/\/missing: HTTP 404/);
  });

  test("an unreachable server is a FetchError", async () => {
    const port = server.url.split(":").at(-1);
    server.stop();
    await expect(download({ url: `http://127.0.0.1:${port}/f` })).rejects.toThrow(FetchError);
  });
});

describe("fetchCapped", () => {
  test("returns a small document whole", async () => {
    server.files.set("/m", Buffer.from("{}"));
    expect(Buffer.from(await fetchCapped(`${server.url}/m`, 100)).toString()).toBe("{}");
  });

  test("stops reading an endless manifest at the cap", async () => {
    server.behaviour.set("/m", "endless");
    await expect(fetchCapped(`${server.url}/m`, MANIFEST_MAX_BYTES)).rejects.toThrow(
      `more than the ${MANIFEST_MAX_BYTES} bytes allowed`,
    );
    expect(server.bytesSent("/m")).toBeLessThan(50 * 1024 * 1024);
  });

  test("refuses a declared length above the cap without reading it", async () => {
    server.files.set("/m", new Uint8Array(5000));
    await expect(fetchCapped(`${server.url}/m`, 4096)).rejects.toThrow(
      /5000 bytes is more than the 4096 allowed/,
    );
  });
});
