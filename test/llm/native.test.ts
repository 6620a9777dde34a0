import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tinyModelFile } from "../../scripts/gguf/tiny-model.ts";
import { writeGgufFile } from "../../scripts/gguf/writer.ts";
import { listenToNativeLog, loadLlama, nativeRuntimeInfo } from "../../src/llm/native.ts";
import {
  defaultRuntimeDir,
  manifestFor,
  RuntimeDirError,
  type RuntimeManifest,
  RuntimePayloadError,
  runtimeFolderName,
  unpackRuntime,
} from "../../src/llm/runtime-dir.ts";
import { isCompiled } from "../../src/os/compiled.ts";

const RUNTIME_DIR_MODULE = resolve(import.meta.dir, "../../src/llm/runtime-dir.ts");
const scratch = mkdtempSync(join(tmpdir(), "ember-native-test-"));
const mounts: string[] = [];

afterAll(() => {
  for (const mount of mounts) spawnSync("umount", [mount]);
  rmSync(scratch, { recursive: true, force: true });
});

interface Fixture {
  source: string;
  runtimeDir: string;
  manifest: RuntimeManifest;
}

let counter = 0;
/** A fake addon folder: a few files of random bytes, nested like node-llama-cpp's bins. */
function fixture(sizes: number[] = [4096, 70_000, 1]): Fixture {
  const base = join(scratch, `case-${++counter}`);
  const source = join(base, "embedded");
  const paths = sizes.map((_, i) => `bins/linux-x64/lib${i}.so`);
  mkdirSync(join(source, "bins", "linux-x64"), { recursive: true });
  paths.forEach((path, i) => {
    writeFileSync(join(source, path), randomBytes(sizes[i] ?? 0));
  });
  return { source, runtimeDir: join(base, "runtime"), manifest: manifestFor(source, paths, "9.9.9") };
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

function expectSameFiles(fx: Fixture, dir: string): void {
  for (const file of fx.manifest.files) {
    expect(readFileSync(join(dir, file.path))).toEqual(readFileSync(join(fx.source, file.path)));
  }
}

describe("unpackRuntime", () => {
  test("unpacks into <runtime dir>/<version>-<hash>/ with every file intact, then reuses it", () => {
    const fx = fixture();
    const first = unpackRuntime(fx.manifest, fx.source, fx.runtimeDir);
    expect(first.outcome).toBe("unpacked");
    expect(first.dir).toBe(join(fx.runtimeDir, `9.9.9-${fx.manifest.hash.slice(0, 16)}`));
    expect(first.dir).toBe(join(fx.runtimeDir, runtimeFolderName(fx.manifest)));
    expectSameFiles(fx, first.dir);
    expect(filesOf(first.dir)).toEqual([...fx.manifest.files.map((f) => f.path), ".complete.json"].sort());
    // Nothing but the finished folder is left beside it.
    expect(readdirSync(fx.runtimeDir)).toEqual([runtimeFolderName(fx.manifest)]);

    const second = unpackRuntime(fx.manifest, fx.source, fx.runtimeDir);
    expect(second).toMatchObject({ outcome: "reused", dir: first.dir });
  });

  test("a different build gets its own folder", () => {
    const fx = fixture();
    const a = unpackRuntime(fx.manifest, fx.source, fx.runtimeDir);
    writeFileSync(join(fx.source, fx.manifest.files[0]?.path ?? ""), randomBytes(10));
    const changed = manifestFor(
      fx.source,
      fx.manifest.files.map((f) => f.path),
      "9.9.9",
    );
    const b = unpackRuntime(changed, fx.source, fx.runtimeDir);
    expect(b.outcome).toBe("unpacked");
    expect(b.dir).not.toBe(a.dir);
    expect(readdirSync(fx.runtimeDir).sort()).toEqual(
      [a.dir, b.dir].map((d) => d.slice(fx.runtimeDir.length + 1)).sort(),
    );
  });

  test("two first runs racing both end up using one complete folder", async () => {
    // Big enough that the two copies overlap; both start on the same signal.
    const fx = fixture([24 << 20, 8 << 20, 1000]);
    const script = `
      import { unpackRuntime } from ${JSON.stringify(RUNTIME_DIR_MODULE)};
      const manifest = JSON.parse(process.env.MANIFEST);
      for await (const _ of console) break;
      console.log(JSON.stringify(unpackRuntime(manifest, process.env.SOURCE, process.env.RUNTIME_DIR)));
    `;
    const env = {
      ...process.env,
      MANIFEST: JSON.stringify(fx.manifest),
      SOURCE: fx.source,
      RUNTIME_DIR: fx.runtimeDir,
    };
    const children = [0, 1].map(() => spawn(process.execPath, ["-e", script], { env }));
    const outputs = children.map(
      (child) =>
        new Promise<{ code: number | null; out: string; err: string }>((done) => {
          let out = "";
          let err = "";
          child.stdout.on("data", (chunk) => {
            out += chunk;
          });
          child.stderr.on("data", (chunk) => {
            err += chunk;
          });
          child.on("close", (code) => done({ code, out, err }));
        }),
    );
    for (const child of children) child.stdin.end("go\n");
    const results = await Promise.all(outputs);
    for (const result of results) expect(result).toMatchObject({ code: 0, err: "" });
    const outcomes = results.map((result) => JSON.parse(result.out) as { dir: string; outcome: string });
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["reused", "unpacked"]);
    expect(outcomes[0]?.dir).toBe(outcomes[1]?.dir ?? "");
    expect(readdirSync(fx.runtimeDir)).toEqual([runtimeFolderName(fx.manifest)]);
    expectSameFiles(fx, outcomes[0]?.dir ?? "");
  });

  describe("a damaged folder is detected and redone", () => {
    let fx: Fixture;
    let dir: string;
    beforeEach(() => {
      fx = fixture();
      dir = unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).dir;
    });
    const first = (): string => join(dir, fx.manifest.files[1]?.path ?? "");

    test("a truncated file", () => {
      truncateSync(first(), 100);
      expect(unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).outcome).toBe("repaired");
      expectSameFiles(fx, dir);
    });

    test("a missing file", () => {
      rmSync(first());
      expect(unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).outcome).toBe("repaired");
      expectSameFiles(fx, dir);
    });

    test("a file changed in place (same size)", () => {
      writeFileSync(first(), randomBytes(statSync(first()).size));
      expect(unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).outcome).toBe("repaired");
      expectSameFiles(fx, dir);
    });

    test("a same-size change with its mtime put back, when the stamp is missing (full hash)", () => {
      const { atime, mtime, size } = statSync(first());
      writeFileSync(first(), randomBytes(size));
      utimesSync(first(), atime, mtime);
      rmSync(join(dir, ".complete.json"));
      expect(unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).outcome).toBe("repaired");
      expectSameFiles(fx, dir);
    });

    test("a missing stamp over intact files is re-verified, re-stamped and reused", () => {
      rmSync(join(dir, ".complete.json"));
      expect(unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).outcome).toBe("reused");
      expect(existsSync(join(dir, ".complete.json"))).toBe(true);
      expect(readdirSync(fx.runtimeDir)).toEqual([runtimeFolderName(fx.manifest)]);
    });

    test("a folder without its completion stamp and with a file missing", () => {
      rmSync(join(dir, ".complete.json"));
      rmSync(first());
      expect(unpackRuntime(fx.manifest, fx.source, fx.runtimeDir).outcome).toBe("repaired");
      expectSameFiles(fx, dir);
      expect(readdirSync(fx.runtimeDir)).toEqual([runtimeFolderName(fx.manifest)]);
    });
  });

  test("leftovers of a run killed mid-unpack are swept", () => {
    const fx = fixture();
    // pid 2^22+1 is above Linux's pid_max ceiling, so no live process owns it.
    const stray = join(fx.runtimeDir, `${runtimeFolderName(fx.manifest)}.tmp-4194305-0badf00d`);
    mkdirSync(stray, { recursive: true });
    writeFileSync(join(stray, "half"), "x");
    unpackRuntime(fx.manifest, fx.source, fx.runtimeDir);
    expect(readdirSync(fx.runtimeDir)).toEqual([runtimeFolderName(fx.manifest)]);
  });

  test("embedded bytes that do not match the manifest are a RuntimePayloadError, not a runtime", () => {
    const fx = fixture();
    writeFileSync(join(fx.source, fx.manifest.files[0]?.path ?? ""), randomBytes(4096));
    expect(() => unpackRuntime(fx.manifest, fx.source, fx.runtimeDir)).toThrow(RuntimePayloadError);
    expect(readdirSync(fx.runtimeDir)).toEqual([]);
  });

  test("a read-only runtime dir is a RuntimeDirError that names the dir and the way out", () => {
    const fx = fixture();
    const readOnly = readOnlyDir();
    const error = catchError(() => unpackRuntime(fx.manifest, fx.source, join(readOnly, "runtime")));
    expect(error).toBeInstanceOf(RuntimeDirError);
    expect((error as RuntimeDirError).code).toMatch(/^(EROFS|EACCES)$/);
    expect((error as Error).message).toStartWith(
      `cannot unpack native runtime into ${join(readOnly, "runtime")}: E`,
    );
    expect((error as Error).message).toEndWith("; set runtime.dir or EMBER_RUNTIME_DIR");
  });

  test("a full runtime dir is a RuntimeDirError (ENOSPC) and leaves no temp folder", () => {
    const fx = fixture([300_000, 10]);
    const small = mountTmpfs("size=128k");
    if (!small) return; // Not root, or no mount permission: nothing to fill.
    const error = catchError(() => unpackRuntime(fx.manifest, fx.source, small));
    expect(error).toBeInstanceOf(RuntimeDirError);
    expect((error as RuntimeDirError).code).toBe("ENOSPC");
    expect(readdirSync(small)).toEqual([]);
  });
});

describe("defaultRuntimeDir", () => {
  test("EMBER_RUNTIME_DIR wins, then root's /var/lib, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(defaultRuntimeDir({ EMBER_RUNTIME_DIR: "/x", XDG_CACHE_HOME: "/c" }, 0, "/h")).toBe("/x");
    expect(defaultRuntimeDir({ XDG_CACHE_HOME: "/c" }, 0, "/h")).toBe("/var/lib/ember/runtime");
    expect(defaultRuntimeDir({ XDG_CACHE_HOME: "/c" }, 1000, "/h")).toBe("/c/ember/runtime");
    expect(defaultRuntimeDir({}, 1000, "/h")).toBe("/h/.cache/ember/runtime");
  });
});

describe("loadLlama from source", () => {
  test("uses node-llama-cpp's prebuilt addon from node_modules on the CPU, one Llama per process", async () => {
    expect(isCompiled()).toBe(false);
    const llama = await loadLlama();
    expect(llama.gpu).toBe(false);
    expect(llama.buildType).toBe("prebuilt");
    expect(llama.maxThreads).toBe(availableParallelism());
    expect(nativeRuntimeInfo()).toEqual({ mode: "source", emberVersion: expect.any(String) });
    expect(await loadLlama()).toBe(llama);
  });

  test("llama.cpp's error lines reach the listeners, not the console", async () => {
    const llama = await loadLlama();
    const heard: string[] = [];
    const stop = listenToNativeLog((message) => heard.push(message));
    await expect(llama.loadModel({ modelPath: brokenModel() })).rejects.toThrow();
    await Bun.sleep(0);
    stop();
    expect(heard.join("\n")).toContain("missing tensor 'output_norm.weight'");
  });
});

/** A tiny model without its output norm: its GGUF is sound, llama.cpp refuses it. */
function brokenModel(): string {
  const file = tinyModelFile();
  const path = join(scratch, "no-output-norm.gguf");
  writeGgufFile(path, {
    metadata: file.metadata,
    tensors: file.tensors.filter((tensor) => tensor.name !== "output_norm.weight"),
  });
  return path;
}

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** A tmpfs mounted for this test, or undefined where mounting is not allowed. */
function mountTmpfs(options: string): string | undefined {
  const dir = join(scratch, `mount-${++counter}`);
  mkdirSync(dir);
  if (process.getuid?.() !== 0) return undefined;
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]).status === 0;
  if (!mounted) return undefined;
  mounts.push(dir);
  return dir;
}

/** A directory this process cannot write: a read-only mount as root, mode 0555 otherwise. */
function readOnlyDir(): string {
  const mounted = mountTmpfs("ro,size=64k");
  if (mounted) return mounted;
  if (process.getuid?.() === 0) throw new Error("root without mount permission: cannot make a read-only dir");
  const dir = join(scratch, `ro-${++counter}`);
  mkdirSync(dir);
  chmodSync(dir, 0o555);
  return dir;
}
