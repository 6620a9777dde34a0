import { type AskProcess, spawnAsk } from "./llm-ask.ts";

/**
 * A follow-up question from a new process: `ember ask --continue` (the last ask conversation's
 * saved state loaded, so only the follow-up's own tokens are evaluated) against a cold `ember ask`
 * of the same question (a new conversation: its static prefix loaded from disk, the rest
 * evaluated). Each process loads the model itself (EMBER_ENGINE=off): both include Bun's start and
 * the model load, which no saved state removes.
 */

export interface AskFigures {
  /** Spawn to the first answer byte. */
  firstAnswerMs: number;
  evaluatedBeforeAnswer: number;
  /** Whether the process carried on the saved conversation. */
  restored: boolean;
}

export async function compareContinue(options: {
  root: string;
  vaultDir: string;
  env: Record<string, string>;
  first: string;
  followUp: string;
}): Promise<{ continued: AskFigures; cold: AskFigures }> {
  const env = { ...options.env, EMBER_ENGINE: "off", NO_COLOR: "1" };
  const ask = (args: string[], stopAtAnswer: boolean) =>
    spawnAsk(options.root, options.vaultDir, env, args, { stopAtAnswer });
  // The first question runs to its end: its conversation is saved then.
  await ask([options.first], false);
  const continued = figures(await ask(["--continue", options.followUp], true));
  const cold = figures(await ask([options.followUp], true));
  if (!continued.restored) throw new Error("ember ask --continue did not restore the saved conversation");
  return { continued, cold };
}

function figures(run: AskProcess): AskFigures {
  const turn = run.lines.find((line) => line.msg === "turn");
  if (!turn) throw new Error("ember ask logged no turn");
  return {
    firstAnswerMs: Math.round(run.firstAnswerMs),
    evaluatedBeforeAnswer: Number(turn.evaluatedBeforeAnswer),
    restored: run.lines.some((line) => line.msg === "conversation loaded"),
  };
}
