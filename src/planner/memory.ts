import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { GroundingRecord } from "../vault/excerpt.ts";

/**
 * The conversation so far: recent turns feed the `{history}` placeholder (newest kept, within a
 * token budget), and every turn is appended to `<vault>/logs/transcripts/<session>.jsonl`.
 */

export const TRANSCRIPTS_DIR = join("logs", "transcripts");

export interface RememberedTurn {
  question: string;
  answer: string;
}

/** One transcript line. */
export interface TranscriptEntry extends RememberedTurn {
  time: string;
  session: string;
  commands: { name: string; args: string[]; ok: boolean; refused?: string; ms: number }[];
  stopped?: string;
  /** The vault excerpts the answer was grounded in (absent in transcripts written before it was recorded). */
  grounding?: GroundingRecord[];
  timings: Record<string, number>;
}

export function newSessionId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}-${process.pid}`;
}

export interface MemoryOptions {
  vaultDir: string;
  session?: string;
}

export class ConversationMemory {
  readonly session: string;
  readonly transcriptPath: string;
  readonly turns: RememberedTurn[] = [];
  /** Why the transcript could not be written, if it could not (the turn itself goes on). */
  problem: string | undefined;

  constructor(options: MemoryOptions) {
    this.session = options.session ?? newSessionId();
    this.transcriptPath = join(options.vaultDir, TRANSCRIPTS_DIR, `${this.session}.jsonl`);
  }

  /** Recent turns, oldest first, as many as fit `budgetTokens`; "" when there are none. */
  renderHistory(budgetTokens: number, countTokens: (text: string) => number): string {
    const kept: string[] = [];
    for (let i = this.turns.length - 1; i >= 0; i--) {
      const turn = this.turns[i]!;
      const block = `Operator: ${turn.question}\nEmber: ${turn.answer}`;
      if (countTokens([block, ...kept].join("\n\n")) > budgetTokens) break;
      kept.unshift(block);
    }
    return kept.join("\n\n");
  }

  record(entry: Omit<TranscriptEntry, "time" | "session">): void {
    this.turns.push({ question: entry.question, answer: entry.answer });
    const line = `${JSON.stringify({ time: new Date().toISOString(), session: this.session, ...entry })}\n`;
    try {
      mkdirSync(join(this.transcriptPath, ".."), { recursive: true });
      // One write of one whole line with O_APPEND: a reader never sees half a turn.
      appendFileSync(this.transcriptPath, line);
      this.problem = undefined;
    } catch (error) {
      this.problem = `cannot write ${this.transcriptPath}: ${(error as NodeJS.ErrnoException).code ?? error}`;
    }
  }
}
