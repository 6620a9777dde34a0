import { availableParallelism } from "node:os";
import { join } from "node:path";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";
import { EMBER_VERSION } from "../update/version.ts";
import { NATIVE_PAYLOAD } from "./native-payload.ts";
import { defaultRuntimeDir, type UnpackOutcome, unpackRuntime } from "./runtime-dir.ts";

export interface LoadLlamaOptions {
  /** Where the compiled binary unpacks its native runtime (config `runtime.dir`). Default: `defaultRuntimeDir()`. */
  runtimeDir?: string;
}

/**
 * llama.cpp's error lines go to these listeners, never to the console (the REPL's display is
 * Ember's alone).
 */
const nativeLogListeners = new Set<(message: string) => void>();

/** Listens to llama.cpp's log lines from now on; returns the function that stops listening. */
export function listenToNativeLog(listener: (message: string) => void): () => void {
  nativeLogListeners.add(listener);
  return () => nativeLogListeners.delete(listener);
}

function dispatchNativeLog(_level: LlamaLogLevel, message: string): void {
  for (const listener of nativeLogListeners) listener(message);
}

/** Where the llama addon comes from in this process, for `/status` and the toolchain agent. */
export type NativeRuntimeInfo =
  | { mode: "source"; emberVersion: string }
  | {
      mode: "compiled";
      emberVersion: string;
      /** The build target of this executable, e.g. `linux-arm64-musl`. */
      target: string;
      /** The manifest's content hash (sha256 over file names, sizes and hashes). */
      hash: string;
      /** Not yet prepared: `loadLlama`/`prepareNativeRuntime` has not run in this process. */
      dir?: string;
      outcome?: UnpackOutcome;
      unpackMs?: number;
    };

/** The embedded addon was unpacked but node-llama-cpp could not load it on this system. */
export class NativeAddonError extends Error {
  override name = "NativeAddonError";
}

let prepared: { dir: string; outcome: UnpackOutcome; ms: number; runtimeDir: string } | undefined;

/**
 * Makes the embedded addon loadable: in the compiled binary, unpacks (or verifies and reuses) the
 * versioned runtime folder; from source there is nothing to do. Idempotent within a process.
 * Throws RuntimeDirError when the runtime folder cannot be written.
 */
export function prepareNativeRuntime(options: { runtimeDir?: string } = {}): NativeRuntimeInfo {
  const payload = NATIVE_PAYLOAD;
  if (payload && !prepared) {
    const runtimeDir = options.runtimeDir ?? defaultRuntimeDir();
    const result = unpackRuntime(payload.manifest, join(import.meta.dir, payload.embeddedDir), runtimeDir);
    prepared = { dir: result.dir, outcome: result.outcome, ms: result.ms, runtimeDir };
  }
  return nativeRuntimeInfo();
}

let shared: Promise<Llama> | undefined;

/**
 * The process's one node-llama-cpp `Llama` on the CPU, never building or downloading anything.
 * One, because the addon is process-wide: a second `Llama` takes over its logger (and its lines
 * then reach the console), and costs memory for nothing. Never dispose it. Its thread ceiling is
 * this machine's cores; every context sets its own thread count below that (`llm.threads`).
 * In the compiled binary node-llama-cpp takes the addon from the unpacked runtime folder (the
 * build routes its platform-package lookup to `embeddedBinsDir`); from source it uses node_modules.
 */
export function loadLlama(options: LoadLlamaOptions = {}): Promise<Llama> {
  if (!shared) {
    const loading = createLlama(options);
    shared = loading;
    // A failed load is not kept: the next call tries again (e.g. after `apk add gcompat`).
    loading.catch(() => {
      if (shared === loading) shared = undefined;
    });
  }
  return shared;
}

async function createLlama(options: LoadLlamaOptions): Promise<Llama> {
  prepareNativeRuntime({ runtimeDir: options.runtimeDir });
  try {
    return await getLlama({
      gpu: false,
      build: "never",
      skipDownload: true,
      progressLogs: false,
      maxThreads: availableParallelism(),
      logLevel: LlamaLogLevel.error,
      logger: dispatchNativeLog,
    });
  } catch (error) {
    const payload = NATIVE_PAYLOAD;
    if (!payload) throw error;
    const where = join(embeddedBinsDir() ?? "", payload.binsFolder);
    const reason = error instanceof Error ? error.message : String(error);
    // The musl build carries the glibc addon (no musl prebuilt exists): Alpine needs gcompat for it.
    const hint = payload.target.endsWith("-musl")
      ? "; on Alpine run: apk add gcompat libstdc++ (docs/NATIVE.md)"
      : "";
    throw new NativeAddonError(`cannot load the llama addon from ${where}: ${reason}${hint}`, {
      cause: error,
    });
  }
}

export function nativeRuntimeInfo(): NativeRuntimeInfo {
  const payload = NATIVE_PAYLOAD;
  if (!payload) return { mode: "source", emberVersion: EMBER_VERSION };
  return {
    mode: "compiled",
    emberVersion: payload.manifest.version,
    target: payload.target,
    hash: payload.manifest.hash,
    ...(prepared ? { dir: prepared.dir, outcome: prepared.outcome, unpackMs: prepared.ms } : {}),
  };
}

/**
 * The unpacked `bins` folder node-llama-cpp looks into for `<binsFolder>/llama-addon.node`. The
 * compiled binary's stand-in for `@node-llama-cpp/<platform>` returns this from `getBinsDir()`.
 */
export function embeddedBinsDir(): string | undefined {
  return prepared ? join(prepared.dir, "bins") : undefined;
}
