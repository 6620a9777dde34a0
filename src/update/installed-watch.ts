import { statSync } from "node:fs";
import { isCompiled } from "../os/compiled.ts";
import { installLayout } from "./install.ts";
import { readStartMarker } from "./marker-file.ts";

interface Identity {
  ino: number;
  mtimeMs: number;
  size: number;
}

function identify(path: string): Identity | undefined {
  try {
    const s = statSync(path);
    return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
  } catch {
    return undefined;
  }
}

/**
 * For a long-running REPL: remembers which file the install path was at start and returns a poll
 * function that says, once the binary has been replaced, which version is now installed. A poll is
 * one stat(); the version is asked of the new binary once per replacement.
 */
export function watchInstalledBinary(
  installPath: string | undefined = process.env.EMBER_INSTALL_PATH ||
    (isCompiled() ? process.execPath : undefined),
): () => string | undefined {
  if (!installPath) return () => undefined;
  const atStart = identify(installPath);
  let known: { ino: number; message: string } | undefined;
  return () => {
    const now = identify(installPath);
    if (!now || !atStart) return undefined;
    if (now.ino === atStart.ino && now.mtimeMs === atStart.mtimeMs && now.size === atStart.size)
      return undefined;
    if (known?.ino !== now.ino) {
      known = {
        ino: now.ino,
        message: `${describe(installPath)} is installed; restart to use it (quit and run ember)`,
      };
    }
    return known.message;
  };
}

function describe(installPath: string): string {
  const marker = readStartMarker(installLayout(installPath).markerPath);
  if (marker) return `ember ${marker.version}`;
  const result = Bun.spawnSync([installPath, "--version"], { stdin: "ignore", timeout: 5000 });
  const version = /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/.exec(result.stdout.toString())?.[0];
  return version ? `ember ${version}` : "a new ember";
}
