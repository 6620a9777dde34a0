import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type FileTail, readTailLinesInside, UnsafeFileError } from "../fs/safe-open.ts";
import { formatBytes } from "../terminal/bytes.ts";
import { TRANSCRIPTS_DIR, type TranscriptEntry } from "./transcript.ts";

/**
 * The most of one transcript read: its newest turns, far more than `/history answers` shows. A
 * session that runs for months keeps one transcript; its older turns are not read back.
 */
export const TRANSCRIPT_MAX_BYTES = 4 * 1024 * 1024;

export interface RecentTurns {
  /** Oldest first. */
  turns: TranscriptEntry[];
  /** One line per transcript that was cut or skipped, naming it. */
  problems: string[];
}

/**
 * The most recent conversation turns across sessions. Transcript files are named by session start
 * time, so name order is time order; a damaged line is skipped, not fatal. A transcript larger
 * than TRANSCRIPT_MAX_BYTES is read from its end; one that is not a regular file inside the vault
 * (a FIFO, a symlink out) is skipped.
 */
export function recentTurns(vaultDir: string, count: number): RecentTurns {
  const dir = join(vaultDir, TRANSCRIPTS_DIR);
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort();
  } catch {
    return { turns: [], problems: [] };
  }
  const turns: TranscriptEntry[] = [];
  const problems: string[] = [];
  for (const file of files.reverse()) {
    const name = join(TRANSCRIPTS_DIR, file);
    let tail: FileTail;
    try {
      tail = readTailLinesInside(join(dir, file), { root: vaultDir, maxBytes: TRANSCRIPT_MAX_BYTES });
    } catch (error) {
      if (!(error instanceof UnsafeFileError)) throw error;
      if (!error.missing) problems.push(`${name}: ${error.reason}; skipped`);
      continue;
    }
    if (tail.skipped > 0)
      problems.push(
        `${name}: over the ${formatBytes(TRANSCRIPT_MAX_BYTES)} limit; only its newest turns were read`,
      );
    for (const line of tail.lines.reverse()) {
      try {
        turns.push(JSON.parse(line) as TranscriptEntry);
      } catch {
        // A line cut short by a crash: the rest of the transcript still counts.
      }
      if (turns.length >= count) return { turns: turns.reverse(), problems };
    }
  }
  return { turns: turns.reverse(), problems };
}
