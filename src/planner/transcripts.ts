import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TRANSCRIPTS_DIR, type TranscriptEntry } from "./transcript.ts";

/**
 * The most recent conversation turns across sessions, oldest first. Transcript files are named by
 * session start time, so name order is time order; a damaged line is skipped, not fatal.
 */
export function recentTurns(vaultDir: string, count: number): TranscriptEntry[] {
  const dir = join(vaultDir, TRANSCRIPTS_DIR);
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .sort();
  } catch {
    return [];
  }
  const turns: TranscriptEntry[] = [];
  for (const file of files.reverse()) {
    const lines = readFileSync(join(dir, file), "utf8").split("\n").filter(Boolean).reverse();
    for (const line of lines) {
      try {
        turns.push(JSON.parse(line) as TranscriptEntry);
      } catch {
        // A line cut short by a crash: the rest of the transcript still counts.
      }
      if (turns.length >= count) return turns.reverse();
    }
  }
  return turns.reverse();
}
