import { rmSync } from "node:fs";
import { join } from "node:path";
import { logFile } from "../../src/app.ts";
import { type LogLine, readLog } from "./llm-ask.ts";
import { TerminalProcess } from "./terminal.ts";
import { typeText } from "./typing.ts";

/**
 * The ttfa conversation typed into the REPL on a pseudo-terminal, one character at a time, as an
 * operator would: while each line is typed, Ember prefills it; at Enter, the turn evaluates what
 * is left. The REPL runs its engine in-process (EMBER_ENGINE=off), so the model's work shares the
 * process, and the echo of every key is what the operator would see at its worst.
 */

const PROMPT = "ttfa> ";
/** A question and its whole answer on the 1B model, with the machine busy: generous, not a target. */
const TURN_TIMEOUT_MS = 10 * 60_000;
const MODEL_TIMEOUT_MS = 5 * 60_000;

export interface TypedTurn {
  question: string;
  /** Tokens evaluated after Enter before the first answer byte: the turn's own, and the prefill slice still running. */
  afterEnterTokens: number;
  /** The same, up to the plan's first decode step: what the prefill could spare, commands or not. */
  afterEnterBeforePlan: number;
  turnEvaluatedBeforeAnswer: number;
  inFlightTokens: number;
  /** Speculative tokens waiting when the turn began. */
  prefilledTokens: number;
  /** The turn's own measure, from Enter. */
  firstAnswerMs: number | null;
  /** The commands the plan ran: their outputs are evaluated after Enter, as they must be. */
  commands: string[];
  echoesMs: number[];
}

/** The vault config the typed REPL adds: a prompt to wait for. */
export const TYPING_CONFIG = `repl:\n  prompt: "${PROMPT}"\n`;

export async function typeConversation(options: {
  root: string;
  vaultDir: string;
  env: Record<string, string>;
  questions: readonly string[];
  charsPerSecond: number;
  log: (line: string) => void;
}): Promise<TypedTurn[]> {
  const log = logFile(options.vaultDir);
  rmSync(log, { force: true });
  const repl = new TerminalProcess([process.execPath, join(options.root, "src", "main.ts")], {
    cwd: options.vaultDir,
    env: { ...options.env, EMBER_ENGINE: "off", TERM: "xterm-256color", NO_COLOR: "1" },
  });
  try {
    let seen = await repl.waitFor(new RegExp(`${PROMPT}$`));
    await waitForLogLine(log, "model ready", MODEL_TIMEOUT_MS);
    const typed: Omit<TypedTurn, keyof TurnFigures>[] = [];
    for (const question of options.questions) {
      const echoesMs = await typeText(repl, question, options.charsPerSecond);
      repl.write("\r");
      seen = await repl.waitFor(new RegExp(`\\n${PROMPT}$`), { from: seen.end, timeoutMs: TURN_TIMEOUT_MS });
      typed.push({ question, echoesMs });
      options.log(
        `ttfa typed ${typed.length}/${options.questions.length}: echo max ${Math.max(...echoesMs).toFixed(1)} ms`,
      );
    }
    const figures = turnFigures(readLog(log));
    if (figures.length !== typed.length)
      throw new Error(`the typed REPL logged ${figures.length} turns for ${typed.length} questions`);
    return typed.map((t, i) => ({ ...t, ...figures[i]! }));
  } finally {
    await repl.stop("quit\r");
  }
}

type TurnFigures = Omit<TypedTurn, "question" | "echoesMs">;

/** Each turn's figures from the log: its own line, and the prefill that was settled just before it. */
function turnFigures(lines: readonly LogLine[]): TurnFigures[] {
  const turns: TurnFigures[] = [];
  let settled = { inFlightTokens: 0, heldTokens: 0 };
  for (const line of lines) {
    if (line.msg === "prefill settled")
      settled = { inFlightTokens: Number(line.inFlightTokens), heldTokens: Number(line.heldTokens) };
    if (line.msg !== "turn") continue;
    const evaluated = Number(line.evaluatedBeforeAnswer);
    turns.push({
      afterEnterTokens: evaluated + settled.inFlightTokens,
      afterEnterBeforePlan: Number(line.evaluatedBeforePlan) + settled.inFlightTokens,
      turnEvaluatedBeforeAnswer: evaluated,
      inFlightTokens: settled.inFlightTokens,
      prefilledTokens: settled.heldTokens,
      firstAnswerMs: typeof line.firstAnswerMs === "number" ? line.firstAnswerMs : null,
      commands: Array.isArray(line.commands) ? line.commands.map(String) : [],
    });
    settled = { inFlightTokens: 0, heldTokens: 0 };
  }
  return turns;
}

async function waitForLogLine(file: string, message: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!readLog(file).some((line) => line.msg === message)) {
    if (performance.now() > deadline)
      throw new Error(`the REPL logged no "${message}" in ${timeoutMs / 1000} s`);
    await Bun.sleep(100);
  }
}
