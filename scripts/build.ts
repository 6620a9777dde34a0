/**
 * Builds Ember's single-file executables, each carrying node-llama-cpp's prebuilt addon for its target.
 *
 *   bun scripts/build.ts [--target linux-x64|linux-arm64|linux-arm64-musl ...] [--outdir dist] [--entry src/main.ts]
 *                        [--addon-dir TARGET=DIR ...] [--version x.y.z]
 *
 * Default: all three targets. Writes dist/ember (linux-x64, this machine's), dist/ember-linux-arm64
 * and dist/ember-linux-arm64-musl, and prints each size. Cross targets fetch Bun's runtime for that
 * target from npm on first use. --version bakes that version in instead of package.json's (make
 * release does); each binary gets a build record <binary>.build.json (src/update/build-record.ts).
 *
 * node-llama-cpp expects to live in a node_modules folder; inside the binary it does not. Three
 * bundle-time redirections make it work there, without touching node_modules (see docs/NATIVE.md):
 *  1. its modules' `import.meta.url` names their original place in an embedded copy of the package
 *     files it reads at run time (package.json, llama/binariesGithubRelease.json, llama/grammars);
 *  2. `@node-llama-cpp/<platform>` becomes a stand-in whose `getBinsDir()` is the folder
 *     src/llm/native.ts unpacks the embedded addon into; every other platform package is empty;
 *  3. the fork-based binding test becomes "passed": the executable cannot run node-llama-cpp's test
 *     script (it would start Ember), and the unpacked files were just hash-checked;
 *  4. on musl targets only, its glibc sniff answers yes: Alpine has no libc.so.6 file, yet the addon
 *     we embed is the one chosen to run there (gcompat, or a musl build given with --addon-dir).
 * --addon-dir linux-arm64-musl=DIR embeds DIR (a node-llama-cpp bins folder with llama-addon.node,
 * its .so files and _nlcBuildMetadata.json, e.g. built on Alpine) instead of the npm package's.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { BunPlugin } from "bun";
import type { NativePayload } from "../src/llm/native-payload.ts";
import { manifestFor } from "../src/llm/runtime-dir.ts";
import { writeBuildRecord } from "../src/update/build-record.ts";
import { elfTarget, isTarget, TARGETS, type Target } from "../src/update/targets.ts";
import { EMBER_VERSION, isVersion } from "../src/update/version.ts";

const ROOT = resolve(import.meta.dir, "..");
const NLC_DIR = join(ROOT, "node_modules", "node-llama-cpp");
const PAYLOAD_MODULE = join(ROOT, "src", "llm", "native-payload.ts");
const VERSION_MODULE = join(ROOT, "src", "version.ts");
const NATIVE_MODULE = join(ROOT, "src", "llm", "native.ts");
// A second entry: the vault's document parsers run in this worker (src/vault/extract/sandbox.ts names
// it by its path from ROOT, the bundle's root).
const EXTRACT_WORKER = join(ROOT, "src", "vault", "extract", "worker.ts");
// What node-llama-cpp reads from its own package folder at run time (relative to that folder).
const NLC_RUNTIME_FILES = ["package.json", "llama/binariesGithubRelease.json", "llama/grammars"];
const EMBEDDED_NATIVE = "ember-native";
const EMBEDDED_NLC = "node-llama-cpp";

interface TargetSpec {
  bunTarget: Bun.Build.CompileTarget;
  /** The node-llama-cpp platform package whose prebuilt addon runs on this target. */
  addonPackage: string;
  /** node-llama-cpp's folder name for the build, `<platform>-<arch>` for a CPU build. */
  binsFolder: string;
  outName: string;
}

// musl: there is no musl build of the addon; the glibc one runs on Alpine through gcompat (docs/NATIVE.md).
const SPECS: Record<Target, TargetSpec> = {
  "linux-x64": {
    bunTarget: "bun-linux-x64",
    addonPackage: "linux-x64",
    binsFolder: "linux-x64",
    outName: "ember",
  },
  "linux-arm64": {
    bunTarget: "bun-linux-arm64",
    addonPackage: "linux-arm64",
    binsFolder: "linux-arm64",
    outName: "ember-linux-arm64",
  },
  "linux-arm64-musl": {
    bunTarget: "bun-linux-arm64-musl",
    addonPackage: "linux-arm64",
    binsFolder: "linux-arm64",
    outName: "ember-linux-arm64-musl",
  },
};

export class BuildError extends Error {
  override name = "BuildError";
}

export interface BuildOptions {
  target: Target;
  /** The version baked into the binary (`ember --version`, the update checks). Default: package.json's. */
  version?: string;
  entry: string;
  outdir: string;
  /** A bins folder to embed instead of the target's npm package (a musl build of the addon). */
  addonDir?: string;
}

export interface BuiltBinary {
  target: Target;
  version: string;
  path: string;
  bytes: number;
  nativeHash: string;
}

export async function buildBinary({
  target,
  version = EMBER_VERSION,
  entry,
  outdir,
  addonDir,
}: BuildOptions): Promise<BuiltBinary> {
  if (!isVersion(version)) throw new BuildError(`--version ${version}: expected a version like 1.2.3`);
  const spec = SPECS[target];
  const stage = mkdtempSync(join(tmpdir(), "ember-build-"));
  try {
    const payload = stageNativeFiles(target, stage, addonDir, version);
    stagePackageFiles(stage);
    const outfile = join(outdir, spec.outName);
    mkdirSync(outdir, { recursive: true });
    const result = await Bun.build({
      entrypoints: [entry, EXTRACT_WORKER],
      root: ROOT,
      target: "bun",
      minify: { whitespace: true, syntax: true, identifiers: false },
      files: {
        [PAYLOAD_MODULE]: `export const NATIVE_PAYLOAD = ${JSON.stringify(payload)};\n`,
        [VERSION_MODULE]: `export const VERSION = ${JSON.stringify(version)};\n`,
      },
      plugins: [nodeLlamaCppInBinary(spec, target.endsWith("-musl"))],
      compile: {
        target: spec.bunTarget,
        outfile,
        assets: [join(stage, EMBEDDED_NATIVE), join(stage, EMBEDDED_NLC)],
        // The appliance binary must not pick up a stray .env or bunfig.toml from its working directory.
        autoloadDotenv: false,
        autoloadBunfig: false,
      },
    });
    if (!result.success) {
      throw new BuildError(`bun build failed for ${target}:\n${result.logs.map(String).join("\n")}`);
    }
    const record = writeBuildRecord(outfile, target, version);
    return { target, version, path: outfile, bytes: record.bytes, nativeHash: payload.manifest.hash };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Copies the target's addon folder into the stage and describes it; refuses an addon of the wrong CPU. */
function stageNativeFiles(
  target: Target,
  stage: string,
  addonDir: string | undefined,
  version: string,
): NativePayload {
  const spec = SPECS[target];
  const source =
    addonDir ?? join(ROOT, "node_modules", "@node-llama-cpp", spec.addonPackage, "bins", spec.binsFolder);
  const addon = join(source, "llama-addon.node");
  if (!exists(addon)) {
    throw new BuildError(
      addonDir
        ? `${addon} is missing: --addon-dir must be a node-llama-cpp bins folder`
        : `${addon} is missing: install @node-llama-cpp/${spec.addonPackage} (bun install)`,
    );
  }
  if (!exists(join(source, "_nlcBuildMetadata.json"))) {
    throw new BuildError(
      `${source}/_nlcBuildMetadata.json is missing: node-llama-cpp will not load the addon without it`,
    );
  }
  const addonCpu = elfTarget(addon);
  const wantCpu = spec.binsFolder;
  if (addonCpu !== wantCpu) {
    throw new BuildError(`${addon} is built for ${addonCpu ?? "an unknown machine"}, not ${wantCpu}`);
  }
  const root = join(stage, EMBEDDED_NATIVE);
  const binsDir = join(root, "bins", spec.binsFolder);
  mkdirSync(dirname(binsDir), { recursive: true });
  cpSync(source, binsDir, { recursive: true });
  const paths = readdirSync(binsDir).map((name) => `bins/${spec.binsFolder}/${name}`);
  return {
    target,
    manifest: manifestFor(root, paths, version),
    embeddedDir: EMBEDDED_NATIVE,
    binsFolder: spec.binsFolder,
  };
}

function stagePackageFiles(stage: string): void {
  for (const path of NLC_RUNTIME_FILES) {
    cpSync(join(NLC_DIR, path), join(stage, EMBEDDED_NLC, path), { recursive: true });
  }
}

function nodeLlamaCppInBinary(spec: TargetSpec, musl: boolean): BunPlugin {
  const nlcDist = join(NLC_DIR, "dist");
  return {
    name: "node-llama-cpp-in-binary",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]node-llama-cpp[\\/]dist[\\/].*\.js$/ }, ({ path }) => {
        const text = readFileSync(path, "utf8");
        const embeddedPath = `/${EMBEDDED_NLC}/dist/${relative(nlcDist, path).split("\\").join("/")}`;
        const url = `("file://" + import.meta.dir + ${JSON.stringify(embeddedPath)})`;
        return { contents: text.replaceAll("import.meta.url", url), loader: "js" };
      });
      build.onResolve({ filter: /^@node-llama-cpp\// }, ({ path }) => ({
        path: path === `@node-llama-cpp/${spec.addonPackage}` ? "bins" : "absent",
        namespace: "ember-native",
      }));
      build.onResolve({ filter: /[\\/]testBindingBinary\.js$/ }, ({ importer }) =>
        importer.startsWith(nlcDist) ? { path: "binding-test", namespace: "ember-native" } : undefined,
      );
      if (musl) {
        build.onResolve({ filter: /[\\/]detectGlibc\.js$/ }, ({ importer }) =>
          importer.startsWith(nlcDist) ? { path: "glibc-sniff", namespace: "ember-native" } : undefined,
        );
      }
      build.onLoad({ filter: /.*/, namespace: "ember-native" }, ({ path }) => {
        const contents: Record<string, string> = {
          bins: [
            `import { embeddedBinsDir } from ${JSON.stringify(NATIVE_MODULE)};`,
            `const packageVersion = ${JSON.stringify(nodeLlamaCppVersion())};`,
            "export function getBinsDir() { return { binsDir: embeddedBinsDir(), packageVersion }; }",
          ].join("\n"),
          absent: "export {};",
          "binding-test": "export async function testBindingBinary() { return true; }",
          "glibc-sniff": "export async function detectGlibc() { return true; }",
        };
        const text = contents[path];
        if (text === undefined) throw new BuildError(`unknown ember-native module ${path}`);
        return { contents: text, loader: "js" };
      });
    },
  };
}

function nodeLlamaCppVersion(): string {
  const pkg: { version?: unknown } = JSON.parse(readFileSync(join(NLC_DIR, "package.json"), "utf8"));
  if (typeof pkg.version !== "string") throw new BuildError(`${NLC_DIR}/package.json has no version`);
  return pkg.version;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      target: { type: "string", multiple: true },
      outdir: { type: "string" },
      entry: { type: "string" },
      "addon-dir": { type: "string", multiple: true },
      version: { type: "string" },
    },
  });
  const addonDirs = new Map<string, string>();
  for (const pair of values["addon-dir"] ?? []) {
    const [name = "", dir] = pair.split("=", 2);
    if (!isTarget(name) || !dir) throw new BuildError(`--addon-dir wants TARGET=DIR, got ${pair}`);
    addonDirs.set(name, resolve(dir));
  }
  const requested = (values.target ?? [...TARGETS]).flatMap((value) => value.split(","));
  const targets = requested.map((name) => {
    if (!isTarget(name)) throw new BuildError(`unknown --target ${name} (one of ${TARGETS.join(", ")})`);
    return name;
  });
  const outdir = resolve(values.outdir ?? "dist");
  const entry = resolve(values.entry ?? join(ROOT, "src", "main.ts"));
  for (const target of targets) {
    const started = performance.now();
    const built = await buildBinary({
      target,
      version: values.version,
      entry,
      outdir,
      addonDir: addonDirs.get(target),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `${relative(process.cwd(), built.path) || built.path}\t${target}\t${built.version}\t${formatBytes(built.bytes)}\t${built.bytes} bytes\t${seconds} s`,
    );
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (error) {
    console.error(error instanceof BuildError ? `build: ${error.message}` : error);
    process.exit(1);
  }
}
