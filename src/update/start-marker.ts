import { existsSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { syncDirectory } from "../fs/atomic-write.ts";
import { isCompiled } from "../os/compiled.ts";
import { isAlive } from "../os/process-alive.ts";
import { installLayout, rollbackToPrevious } from "./install.ts";
import { readStartMarker, writeStartMarker } from "./marker-file.ts";
import { EMBER_VERSION } from "./version.ts";

export type StartCheck =
  | { kind: "none" }
  /** This process is the new version's first start; call markHealthyStart() once it is up. */
  | { kind: "first-start"; version: string }
  /** Another process is still bringing the new version up. */
  | { kind: "pending"; version: string }
  | { kind: "rolled-back"; failedVersion: string; restoredVersion: string; message: string };

export interface StartCheckOptions {
  /** Default: EMBER_INSTALL_PATH, else the running executable when compiled. */
  installPath?: string;
  /** The executable of this process; the marker is only acted on when it is the installed binary. */
  runningPath?: string;
  runningVersion?: string;
  /** After a rollback, run the restored binary with `args` and exit with its code. Default true. */
  relaunch?: boolean;
  /** Default: this process's own arguments (a compiled binary's argv after the embedded script path). */
  args?: string[];
  /** Where the rollback is announced; default standard error. */
  report?: (message: string) => void;
}

/**
 * Call very early in main, before anything that could fail. Never throws: a problem reading the
 * marker must not stop the operator's console from starting.
 */
export function checkStartMarker(options: StartCheckOptions = {}): StartCheck {
  const installPath = options.installPath ?? defaultInstallPath();
  if (!installPath) return { kind: "none" };
  const layout = installLayout(installPath);
  const marker = readStartMarker(layout.markerPath);
  const version = options.runningVersion ?? EMBER_VERSION;
  // A marker for another version is stale (a swap killed before its rename) or not ours to judge.
  if (!marker || marker.version !== version) return { kind: "none" };
  if (!samePath(options.runningPath ?? process.execPath, installPath)) return { kind: "none" };
  try {
    const bootId = currentBootId();
    if (marker.startedPid === process.pid) return { kind: "first-start", version };
    if (marker.startedPid === undefined) {
      writeStartMarker(layout.markerPath, { ...marker, startedPid: process.pid, bootId });
      return { kind: "first-start", version };
    }
    if (marker.bootId === bootId && isAlive(marker.startedPid)) {
      return { kind: "pending", version };
    }
    rollbackToPrevious(layout);
  } catch {
    return { kind: "none" };
  }
  const message = `ember ${version} did not start cleanly last time; rolled back to ember ${marker.previousVersion} (${version} is kept as ${layout.previousPath})`;
  (options.report ?? ((line: string) => process.stderr.write(`${line}\n`)))(message);
  if (options.relaunch ?? true) {
    const child = Bun.spawnSync([installPath, ...(options.args ?? process.argv.slice(2))], {
      stdio: ["inherit", "inherit", "inherit"],
    });
    process.exit(child.exitCode ?? 1);
  }
  return { kind: "rolled-back", failedVersion: version, restoredVersion: marker.previousVersion, message };
}

/**
 * Call once the app is up (REPL ready, or a command finished its work): the new version proved it
 * starts, so the marker goes. Cheap when there is none; never throws.
 */
export function markHealthyStart(options: { installPath?: string; runningVersion?: string } = {}): boolean {
  const installPath = options.installPath ?? defaultInstallPath();
  if (!installPath) return false;
  const { markerPath } = installLayout(installPath);
  try {
    if (!existsSync(markerPath)) return false;
    const marker = readStartMarker(markerPath);
    if (marker && marker.version !== (options.runningVersion ?? EMBER_VERSION)) return false;
    rmSync(markerPath, { force: true });
    syncDirectory(dirname(markerPath));
    return true;
  } catch {
    return false;
  }
}

function defaultInstallPath(): string | undefined {
  return process.env.EMBER_INSTALL_PATH || (isCompiled() ? process.execPath : undefined);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
}

// Distinguishes "that pid is still starting" from "that pid was reused after a reboot".
function currentBootId(): string {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "";
  }
}
