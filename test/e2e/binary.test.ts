/**
 * The compiled binary carries node-llama-cpp and its addon: copied alone into an empty folder,
 * with HOME empty and no node_modules anywhere near, it unpacks its native runtime and evaluates
 * tokens of a real (tiny) model. The entry is scripts/native-probe.ts, built by scripts/build.ts
 * exactly as src/main.ts is. The arm64 build runs under qemu-user (scripts/install-test-deps.sh).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { elfTarget, type Target } from "../../src/update/targets.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = process.execPath;
// Rebuilt when any of these is newer than the cached binary.
const INPUTS = [
  "src/llm",
  "src/update/targets.ts",
  "src/update/version.ts",
  "scripts/build.ts",
  "scripts/native-probe.ts",
  "package.json",
  "node_modules/node-llama-cpp/package.json",
];
const CACHE = join(ROOT, ".cache", "e2e-native-probe");
const OUT_NAMES: Record<Target, string> = {
  "linux-x64": "ember",
  "linux-arm64": "ember-linux-arm64",
  "linux-arm64-musl": "ember-linux-arm64-musl",
};

const scratch = mkdtempSync(join(tmpdir(), "ember-e2e-binary-"));
let model: string;

beforeAll(() => {
  model = join(scratch, "tiny.gguf");
  run(BUN, [join(ROOT, "scripts/make-tiny-model.ts"), model], { cwd: ROOT });
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

interface ProbeReport {
  compiled: boolean;
  runtime: { mode: string; target?: string; dir?: string; outcome?: string; unpackMs?: number };
  buildType: string;
  gpu: unknown;
  maxThreads: number;
  model?: { promptTokens: number; generated: number[] };
  error?: string;
}

interface Placed {
  dir: string;
  home: string;
  runtimeDir: string;
  binary: string;
}

describe("linux-x64 binary", () => {
  let placed: Placed;
  let fromSource: ProbeReport;

  beforeAll(() => {
    placed = placeAlone(binaryFor("linux-x64"), "x64");
    fromSource = probe([BUN, join(ROOT, "scripts/native-probe.ts"), model], { cwd: ROOT });
  });

  test("first run unpacks the runtime and evaluates the same tokens as from source", () => {
    const report = probe([placed.binary, "tiny.gguf"], envFor(placed));
    expect(report.compiled).toBe(true);
    expect(report.runtime).toMatchObject({ mode: "compiled", target: "linux-x64", outcome: "unpacked" });
    expect(report.runtime.dir?.startsWith(`${placed.runtimeDir}/`)).toBe(true);
    expect(report).toMatchObject({ buildType: "prebuilt", gpu: false, maxThreads: availableParallelism() });
    expect(report.model?.generated).toHaveLength(4);
    expect(report.model?.generated).toEqual(fromSource.model?.generated ?? []);
    // Nothing went to HOME (no ~/.node-llama-cpp, no cache), and the folder holds only what we put there.
    expect(readdirSync(placed.home)).toEqual([]);
    expect(readdirSync(placed.dir).sort()).toEqual(["ember", "tiny.gguf"]);
  });

  test("second run reuses the unpacked runtime", () => {
    const report = probe([placed.binary, "tiny.gguf"], envFor(placed));
    expect(report.runtime.outcome).toBe("reused");
    expect(report.model?.generated).toEqual(fromSource.model?.generated ?? []);
  });

  test("a truncated library in the runtime folder is noticed and the runtime redone", () => {
    const first = probe([placed.binary], envFor(placed));
    const lib = join(first.runtime.dir ?? "", "bins", "linux-x64", "libllama.v0.5.0.so");
    expect(existsSync(lib)).toBe(true);
    truncateSync(lib, 4096);
    const report = probe([placed.binary, "tiny.gguf"], envFor(placed));
    expect(report.runtime.outcome).toBe("repaired");
    expect(report.model?.generated).toEqual(fromSource.model?.generated ?? []);
  });

  test("an unwritable runtime dir fails with a RuntimeDirError naming it", () => {
    const blocker = join(scratch, "a-file");
    writeFileSync(blocker, "");
    const result = run(
      placed.binary,
      [],
      { ...envFor(placed), env: { ...envFor(placed).env, EMBER_RUNTIME_DIR: join(blocker, "runtime") } },
      false,
    );
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as ProbeReport;
    expect(report.error).toStartWith(
      `RuntimeDirError: cannot unpack native runtime into ${join(blocker, "runtime")}: ENOTDIR`,
    );
    expect(report.error).toEndWith("set runtime.dir or EMBER_RUNTIME_DIR");
  });
});

describe("linux-arm64 binary under qemu-user", () => {
  test(
    "unpacks its arm64 runtime and evaluates tokens",
    () => {
      const qemu = spawnSync("sh", ["-c", "command -v qemu-aarch64"], { encoding: "utf8" }).stdout.trim();
      if (!qemu || !existsSync("/lib/ld-linux-aarch64.so.1")) {
        throw new Error("qemu-aarch64 or the arm64 libc is missing: run scripts/install-test-deps.sh");
      }
      const placed = placeAlone(binaryFor("linux-arm64"), "arm64");
      const env = envFor(placed);
      const first = probe([qemu, "-L", "/", placed.binary, "tiny.gguf"], env);
      expect(first.runtime).toMatchObject({ mode: "compiled", target: "linux-arm64", outcome: "unpacked" });
      expect(existsSync(join(first.runtime.dir ?? "", "bins", "linux-arm64", "llama-addon.node"))).toBe(true);
      expect(first.model?.generated).toHaveLength(4);
      const second = probe([qemu, "-L", "/", placed.binary, "tiny.gguf"], env);
      expect(second.runtime.outcome).toBe("reused");
      expect(second.model?.generated).toEqual(first.model?.generated ?? []);
    },
    { timeout: 240_000 },
  );
});

describe("linux-arm64-musl binary", () => {
  test(
    "is a musl executable carrying the arm64 addon, not the x64 one, without the glibc sniff",
    async () => {
      const binary = binaryFor("linux-arm64-musl");
      expect(elfTarget(binary)).toBe("linux-arm64-musl");
      const bytes = Buffer.from(await Bun.file(binary).arrayBuffer());
      const addon = (cpu: string) =>
        Buffer.from(
          readFileSync(join(ROOT, `node_modules/@node-llama-cpp/${cpu}/bins/${cpu}/llama-addon.node`)),
        );
      expect(bytes.indexOf(addon("linux-arm64"))).toBeGreaterThan(0);
      expect(bytes.indexOf(addon("linux-x64"))).toBe(-1);
      // node-llama-cpp's glibc sniff (a list of glibc loader names only it holds) is replaced on musl,
      // where Alpine has no libc.so.6 file; the glibc builds keep it.
      const sniff = Buffer.from("ld-linux-riscv64-lp64d.so.3");
      expect(bytes.indexOf(sniff)).toBe(-1);
      expect(
        Buffer.from(await Bun.file(binaryFor("linux-x64")).arrayBuffer()).indexOf(sniff),
      ).toBeGreaterThan(0);
    },
    { timeout: 240_000 },
  );
});

/** The probe binary for a target, rebuilt only when an input changed since the cached one. */
function binaryFor(target: Target): string {
  const binary = join(CACHE, OUT_NAMES[target]);
  if (!existsSync(binary) || newestInput() > statSync(binary).mtimeMs) {
    run(
      BUN,
      ["scripts/build.ts", "--entry", "scripts/native-probe.ts", "--target", target, "--outdir", CACHE],
      { cwd: ROOT },
    );
  }
  return binary;
}

function newestInput(): number {
  let newest = 0;
  for (const input of INPUTS) {
    const path = join(ROOT, input);
    const paths = statSync(path).isDirectory()
      ? readdirSync(path, { recursive: true }).map((name) => join(path, String(name)))
      : [path];
    for (const file of paths) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** Copies the binary and the model alone into a fresh folder, with an empty HOME beside it. */
function placeAlone(binary: string, name: string): Placed {
  const base = join(scratch, name);
  const dir = join(base, "run");
  const home = join(base, "home");
  mkdirSync(dir, { recursive: true });
  mkdirSync(home);
  const copy = join(dir, "ember");
  copyFileSync(binary, copy);
  chmodSync(copy, 0o755);
  copyFileSync(model, join(dir, "tiny.gguf"));
  return { dir, home, runtimeDir: join(base, "runtime"), binary: copy };
}

function envFor(placed: Placed): { cwd: string; env: NodeJS.ProcessEnv } {
  // Only what a login shell on the appliance would have: no NODE_PATH, no node_modules, no bun.
  return {
    cwd: placed.dir,
    env: { PATH: "/usr/bin:/bin", HOME: placed.home, EMBER_RUNTIME_DIR: placed.runtimeDir },
  };
}

function probe(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ProbeReport {
  const [command = "", ...args] = argv;
  const result = run(command, args, options);
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as ProbeReport;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
  mustSucceed = true,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { ...options, encoding: "utf8", timeout: 200_000 });
  if (mustSucceed && result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
