import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { appendWholeRecords } from "../fs/append-record.ts";
import type { GroundingRecord } from "../vault/excerpt.ts";

/**
 * A session's record: every turn is appended to `<vault>/logs/transcripts/<session>.jsonl`. It is
 * for the operator (`/history answers`) and for measuring; the model never reads it back, since
 * the conversation itself holds the session's earlier turns.
 */

export const TRANSCRIPTS_DIR = join("logs", "transcripts");

/** One transcript line. */
export interface TranscriptEntry {
  time: string;
  session: string;
  question: string;
  answer: string;
  commands: { name: string; args: string[]; ok: boolean; refused?: string; ms: number }[];
  grounding: GroundingRecord[];
  stopped?: string;
  timings: Record<string, number | null>;
}

export function newSessionId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
}

export interface TranscriptOptions {
  vaultDir: string;
  session?: string;
}

export class Transcript {
  readonly session: string;
  readonly path: string;
  /** Why the transcript could not be written, if it could not (the turn itself goes on). */
  problem: string | undefined;

  constructor(options: TranscriptOptions) {
    this.session = options.session ?? newSessionId();
    this.path = join(options.vaultDir, TRANSCRIPTS_DIR, `${this.session}.jsonl`);
  }

  record(entry: Omit<TranscriptEntry, "time" | "session">): void {
    const line = `${JSON.stringify({ time: new Date().toISOString(), session: this.session, ...entry })}\n`;
    try {
      mkdirSync(join(this.path, ".."), { recursive: true });
      // Only this session writes its transcript; a failed write leaves no half turn behind.
      appendWholeRecords(this.path, line);
      this.problem = undefined;
    } catch (error) {
      this.problem = `cannot write ${this.path}: ${(error as NodeJS.ErrnoException).code ?? error}`;
    }
  }
}
