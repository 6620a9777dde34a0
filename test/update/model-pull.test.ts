import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChecksumMismatchError, UnknownModelError } from "../../src/update/errors.ts";
import { type ModelPullOptions, pullModel } from "../../src/update/model-pull.ts";
import { fakeBinary } from "./fixtures/binaries.ts";
import { publish, sha256, testKey } from "./fixtures/channel.ts";
import { ChannelServer } from "./fixtures/server.ts";

const key = testKey();
const model = new Uint8Array(120_000).map((_, i) => i % 256);
let server: ChannelServer;
let dir: string;
let channelUrl: string;

beforeEach(() => {
  server = new ChannelServer();
  dir = mkdtempSync(join(tmpdir(), "ember-models-"));
  ({ channelUrl } = publish(server, {
    version: "0.2.0",
    binary: fakeBinary("0.2.0"),
    key,
    models: { tiny: model },
  }));
});
afterEach(() => {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pull = (source: string, extra: Partial<ModelPullOptions> = {}) =>
  pullModel({
    source,
    dir,
    channel: channelUrl,
    publicKeys: [key.publicKeyBase64],
    say: () => undefined,
    ...extra,
  });

describe("pullModel", () => {
  test("a model named in the signed manifest lands verified under its file name", async () => {
    expect(await pull("tiny")).toEqual({ path: join(dir, "tiny.gguf"), downloaded: true });
    expect(readFileSync(join(dir, "tiny.gguf")).equals(Buffer.from(model))).toBe(true);
    expect(readdirSync(dir)).toEqual(["tiny.gguf"]);
  });

  test("an interrupted pull leaves no file under the final name and resumes next time", async () => {
    server.behaviour.set("/stable/models/tiny.gguf", "close-mid");
    await expect(pull("tiny")).rejects.toThrow(/run again to resume/);
    expect(readdirSync(dir).sort()).toEqual([".tiny.gguf.download", ".tiny.gguf.download.meta"]);
    server.behaviour.delete("/stable/models/tiny.gguf");
    await pull("tiny");
    expect(server.requests.at(-1)?.range).toBe("bytes=60000-");
    expect(readFileSync(join(dir, "tiny.gguf")).equals(Buffer.from(model))).toBe(true);
  });

  test("a model already present and verified is not fetched again", async () => {
    await pull("tiny");
    const before = server.requests.length;
    expect((await pull("tiny")).downloaded).toBe(false);
    expect(server.requests.length - before).toBe(2); // manifest and signature only
  });

  test("an unknown name lists what the channel offers", async () => {
    await expect(pull("huge")).rejects.toThrow(
      new UnknownModelError('channel stable has no model "huge" (it has: tiny)'),
    );
  });

  test("a URL needs --sha256, and its bytes must match it", async () => {
    server.files.set("/direct/other.gguf", model);
    const url = `${server.url}/direct/other.gguf`;
    await expect(pull(url)).rejects.toThrow(/pass --sha256/);
    await expect(pull(url, { sha256: "0".repeat(64) })).rejects.toThrow(ChecksumMismatchError);
    expect(await pull(url, { sha256: sha256(model) })).toEqual({
      path: join(dir, "other.gguf"),
      downloaded: true,
    });
  });
});
