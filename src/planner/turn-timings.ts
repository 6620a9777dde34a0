import type { EvaluationCount } from "../llm/bridge.ts";
import type { PrefixSource } from "../llm/conversation.ts";

/** What one generation of a turn (the plan, the answer) found in the context and added to it. */
export interface PassCount extends EvaluationCount {
  pass: "plan" | "respond";
  /** Decode steps... */
  generatedTokens: number;
  /** ...and tokens the plan's grammar forced, added in batches instead. */
  forcedTokens: number;
}

/** A turn's figures, as `ember ask --json`, the transcript and the log give them. */
export interface TurnTimings {
  retrieveMs: number;
  planMs: number;
  actMs: number;
  respondMs: number;
  /** From the question to the first byte of the answer; null when no answer text came. */
  firstAnswerMs: number | null;
  /** Tokens evaluated before the plan's first decode step: what a prefill while typing can spare. */
  evaluatedBeforePlan: number;
  /** Tokens handed to llama.cpp to evaluate, and decode steps, before the first answer byte. */
  evaluatedBeforeAnswer: number;
  decodedBeforeAnswer: number;
  /** The conversation's length when the last generation of the turn began. */
  promptTokens: number;
  /** Tokens evaluated by llama.cpp in the whole turn... */
  evaluatedTokens: number;
  /** ...and the conversation's tokens already evaluated when the turn began, used as they were. */
  reusedTokens: number;
  generatedTokens: number;
  /** The static prefix's length, and where it came from this turn. */
  staticTokens: number;
  prefix: PrefixSource | "none";
  /** Tokens erased from the context to make room for this turn. */
  droppedTokens: number;
  /** The conversation's length after the turn. */
  contextTokens: number;
  passes: PassCount[];
}

export function emptyTimings(): TurnTimings {
  return {
    retrieveMs: 0,
    planMs: 0,
    actMs: 0,
    respondMs: 0,
    firstAnswerMs: null,
    evaluatedBeforePlan: 0,
    evaluatedBeforeAnswer: 0,
    decodedBeforeAnswer: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    staticTokens: 0,
    prefix: "none",
    droppedTokens: 0,
    contextTokens: 0,
    passes: [],
  };
}

/** The figures that are numbers, for the transcript and the log. */
export function numericTimings(timings: TurnTimings): Record<string, number | null> {
  const { prefix: _prefix, passes: _passes, ...numbers } = timings;
  return numbers;
}
