import { readFileCapped } from "../fs/safe-open.ts";
import { writeUpdateFile } from "./fs-errors.ts";

/**
 * `.ember.start-pending`: written just before a swap, naming the new version. The new binary's first
 * start claims it (its pid and boot), its first healthy start removes it. A later start that finds it
 * claimed by a process that is gone knows the new version failed to come up, and rolls back.
 */
export interface StartMarker {
  version: string;
  previousVersion: string;
  startedPid?: number;
  bootId?: string;
}

export function writeStartMarker(path: string, marker: StartMarker): void {
  writeUpdateFile(path, `${JSON.stringify(marker)}\n`);
}

export function readStartMarker(path: string): StartMarker | undefined {
  try {
    // Two versions, a pid and a boot id: a larger file is not ours, and is not parsed.
    const data = JSON.parse(readFileCapped(path, 4096).toString("utf8")) as Partial<StartMarker>;
    if (typeof data.version !== "string" || typeof data.previousVersion !== "string") return undefined;
    return data as StartMarker;
  } catch {
    return undefined;
  }
}
