import { copyFileSync, existsSync, linkSync, readdirSync, realpathSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fsyncFile, syncDirectory } from "../fs/atomic-write.ts";
import { isCompiled } from "../os/compiled.ts";
import { InstallPathError, NoPreviousVersionError } from "./errors.ts";
import { explainFsError } from "./fs-errors.ts";
import { writeStartMarker } from "./marker-file.ts";

/** The files an update touches, all in the installed binary's own folder so every rename is atomic. */
export interface InstallLayout {
  installPath: string;
  dir: string;
  /** The binary that was installed before the last swap: `ember.prev`. */
  previousPath: string;
  /** The download being assembled: `.ember.download` (and `.ember.download.meta`). */
  partialPath: string;
  /** Written before a swap, cleared by the new binary's first healthy start. */
  markerPath: string;
}

export function installLayout(installPath: string): InstallLayout {
  const dir = dirname(installPath);
  return {
    installPath,
    dir,
    previousPath: join(dir, `${basename(installPath)}.prev`),
    partialPath: join(dir, ".ember.download"),
    markerPath: join(dir, ".ember.start-pending"),
  };
}

/**
 * The binary to replace: `--install-path`, else EMBER_INSTALL_PATH, else the running executable when
 * compiled. From source there is no binary of ours to replace (execPath is bun itself), so that is an
 * error. Symlinks are followed so the swap happens beside the real file.
 */
export function resolveInstallPath(
  explicit?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const chosen = explicit || env.EMBER_INSTALL_PATH || (isCompiled() ? process.execPath : "");
  if (!chosen) {
    throw new InstallPathError(
      "running from source: pass --install-path PATH (or set EMBER_INSTALL_PATH) to say which ember binary to update",
    );
  }
  const absolute = resolve(chosen);
  return existsSync(absolute) ? realpathSync(absolute) : absolute;
}

/** One step of a swap; split out so a test can kill the process between any two of them. */
export interface SwapStep {
  name: string;
  run: () => void;
}

export interface SwapPlan {
  layout: InstallLayout;
  /** The verified, self-tested binary (normally the finished partial). */
  stagedPath: string;
  version: string;
  previousVersion: string;
}

/**
 * Replaces the installed binary with the staged one. At every point between steps the install path
 * names a complete, runnable binary: the previous one is hard-linked to `ember.prev` (never moved
 * away), then the new one is renamed over the install path in one atomic step.
 */
export function swapSteps(plan: SwapPlan): SwapStep[] {
  const { layout, stagedPath } = plan;
  const keepTemp = join(layout.dir, `.ember.prev.tmp-${process.pid}`);
  return [
    {
      name: "write start marker",
      run: () =>
        writeStartMarker(layout.markerPath, { version: plan.version, previousVersion: plan.previousVersion }),
    },
    {
      name: "keep previous",
      run: () => {
        if (!existsSync(layout.installPath)) return;
        linkOrCopy(layout.installPath, keepTemp);
        renameSync(keepTemp, layout.previousPath);
      },
    },
    { name: "swap in", run: () => renameSync(stagedPath, layout.installPath) },
    {
      name: "sync folder",
      run: () => {
        syncDirectory(layout.dir);
        rmSync(`${stagedPath}.meta`, { force: true });
      },
    },
  ];
}

export function swapIn(plan: SwapPlan): void {
  try {
    for (const step of swapSteps(plan)) step.run();
  } catch (error) {
    throw explainFsError(error, plan.layout.installPath);
  }
}

/**
 * Puts `ember.prev` back in place and keeps the replaced binary as the new `ember.prev` (so a
 * rollback can itself be undone). The install path is never missing in between.
 */
export function rollbackToPrevious(layout: InstallLayout): void {
  if (!existsSync(layout.previousPath)) {
    throw new NoPreviousVersionError(`no previous ember is kept (${layout.previousPath} does not exist)`);
  }
  const keepTemp = join(layout.dir, `.ember.swap.tmp-${process.pid}`);
  try {
    const hadCurrent = existsSync(layout.installPath);
    if (hadCurrent) linkOrCopy(layout.installPath, keepTemp);
    renameSync(layout.previousPath, layout.installPath);
    if (hadCurrent) renameSync(keepTemp, layout.previousPath);
    rmSync(layout.markerPath, { force: true });
    syncDirectory(layout.dir);
  } catch (error) {
    throw explainFsError(error, layout.installPath);
  } finally {
    rmSync(keepTemp, { force: true });
  }
}

/** Removes temp files left by a swap or rollback that was killed midway (never the partial download). */
export function removeStaleTemps(layout: InstallLayout): void {
  for (const name of readdirSync(layout.dir)) {
    if (/^\.ember\.(prev|swap)\.tmp-\d+$/.test(name)) rmSync(join(layout.dir, name), { force: true });
  }
}

// A hard link costs no space and is atomic; file systems without links (FAT on a USB stick) get a copy.
function linkOrCopy(from: string, to: string): void {
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV" && code !== "EMLINK") throw error;
    copyFileSync(from, to);
    fsyncFile(to);
  }
}
