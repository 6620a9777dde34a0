import { join } from "node:path";
import type { ChatHistoryItem, Token } from "node-llama-cpp";
import type { App } from "../../src/app.ts";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { Conversation } from "../../src/llm/conversation.ts";
import { renderToolOutputs } from "../../src/planner/act.ts";
import { groundQuestion } from "../../src/planner/grounding.ts";
import { retrieveForTurn } from "../../src/planner/retrieve.ts";
import { Transcript } from "../../src/planner/transcript.ts";
import { runTurn, type TurnResult } from "../../src/planner/turn.ts";
import { renderExcerpts } from "../../src/vault/excerpt.ts";
import type { RawSide } from "./llm-model.ts";
import { round } from "./stats.ts";
import { type BaselineRun, replayBound, replayNaive } from "./ttfa-baselines.ts";

/**
 * The ttfa conversation: Ember's real turns, one after another in one conversation, each timed to
 * its first answer byte and set beside its two baselines (scripts/bench/ttfa-baselines.ts), done
 * on a context of their own right after it.
 */

/** Fixed, so the plans (random weights, grammar-valid JSON) and the commands they run repeat. */
const SEED = 1;
/** The first design rendered the last turns as text, up to this many tokens (its llm.historyTokens). */
const NAIVE_HISTORY_TOKENS = 512;
/** The first design's planner reply: the answer inside the plan, and the commands. */
const NAIVE_REPLY_FORMAT =
  'Reply with one JSON object and nothing else:\n{"response": "...", "commands": [{"name": "...", "args": ["..."]}]}';

export interface TtfaTurn {
  turn: number;
  question: string;
  /** From calling the turn to its first answer byte, measured here. */
  firstAnswerMs: number;
  /** Ember's own figures for the turn (src/planner/turn-timings.ts). */
  evaluatedBeforeAnswer: number;
  decodedBeforeAnswer: number;
  evaluatedTokens: number;
  generatedTokens: number;
  contextTokens: number;
  commands: string[];
  /** Excerpts the turn added, and their tokens. */
  newExcerpts: number;
  bound: BaselineRun;
  naive: BaselineRun;
}

export async function runTtfaConversation(
  app: App,
  bridge: LlamaBridge,
  side: RawSide,
  options: { turns: number; question: (n: number) => string; workDir: string; log: (line: string) => void },
): Promise<TtfaTurn[]> {
  const conversation = new Conversation({ bridge });
  const transcript = new Transcript({ vaultDir: app.settings.vaultDir });
  const stateFile = join(options.workDir, "ttfa-before.bin");
  const history: { question: string; answer: string }[] = [];
  const turns: TtfaTurn[] = [];
  for (let n = 1; n <= options.turns; n++) {
    const asked = options.question(n);
    // Before the turn: what its baselines start from.
    await bridge.sequence.saveStateToFile(stateFile);
    const { excerpts } = retrieveForTurn(app, conversation, asked);
    const started = performance.now();
    let firstAnswerMs: number | undefined;
    const result = await runTurn(
      { app, conversation, transcript },
      {
        question: asked,
        seed: SEED,
        events: {
          onAnswerText() {
            firstAnswerMs ??= performance.now() - started;
          },
        },
      },
    );
    if (result.stopped) throw new Error(`ttfa turn ${n}: Ember's turn was stopped (${result.stopped})`);
    if (firstAnswerMs === undefined) throw new Error(`ttfa turn ${n}: Ember's answer was empty`);
    const outputs = result.commands.length > 0 ? renderToolOutputs(result.commands) : "";
    const tokenize = (text: string) => bridge.model.tokenize(text, false, "trimLeadingSpace");
    const fresh = [
      ...tokenize([...excerpts.map((e) => e.text), asked].join("\n\n")),
      ...(outputs === "" ? [] : tokenize(outputs)),
    ];
    const bound = await replayBound(side, stateFile, fresh);
    const naive = await replayNaive(side, naivePrompts(app, bridge, conversation, asked, history, result));
    history.push({ question: asked, answer: result.response });
    const { timings } = result;
    const figures: TtfaTurn = {
      turn: n,
      question: asked,
      firstAnswerMs: round(firstAnswerMs, 1),
      evaluatedBeforeAnswer: timings.evaluatedBeforeAnswer,
      decodedBeforeAnswer: timings.decodedBeforeAnswer,
      evaluatedTokens: timings.evaluatedTokens,
      generatedTokens: timings.generatedTokens,
      contextTokens: timings.contextTokens,
      commands: result.commands.map((c) => c.name),
      newExcerpts: excerpts.length,
      bound: { ...bound, ms: round(bound.ms, 1) },
      naive: { ...naive, ms: round(naive.ms, 1) },
    };
    turns.push(figures);
    options.log(
      `ttfa turn ${n}/${options.turns}: first answer byte ${Math.round(firstAnswerMs)} ms (bound ${Math.round(bound.ms)} ms, naive ${Math.round(naive.ms)} ms); ${timings.evaluatedBeforeAnswer} evaluated and ${timings.decodedBeforeAnswer} decoded before it, ${timings.evaluatedTokens} in the turn`,
    );
  }
  return turns;
}

/**
 * The first design's two prompts for this turn: the system text with the question's whole
 * excerpt pick, the earlier turns rendered as text, the question and the reply format; then the
 * same conversation continued with the plan and the command outputs.
 */
function naivePrompts(
  app: App,
  bridge: LlamaBridge,
  conversation: Conversation,
  asked: string,
  history: readonly { question: string; answer: string }[],
  result: TurnResult,
): { planner: Token[]; planTokens: number; responder: Token[] } {
  const count = (text: string) => bridge.countTokens(text);
  const { vaultDir, config } = app.settings;
  const picked = groundQuestion(vaultDir, asked, config.grounding, count, app.logger).excerpts.added;
  const planner: ChatHistoryItem[] = [
    { type: "system", text: `${conversation.system ?? ""}\n\n${renderExcerpts(picked)}` },
    {
      type: "user",
      text: `Earlier in this session:\n${renderHistory(history, count) || "(nothing yet)"}\n\nQuestion: ${asked}\n\n${NAIVE_REPLY_FORMAT}`,
    },
  ];
  const planText = JSON.stringify(result.plan);
  const outputs = result.commands.length > 0 ? renderToolOutputs(result.commands) : "(no command ran)";
  const responder: ChatHistoryItem[] = [
    ...planner,
    { type: "model", response: [planText] },
    {
      type: "user",
      text: `The commands ran. Their output:\n${outputs}\n\nNow answer the question "${asked}" in plain text.`,
    },
  ];
  const plan = result.timings.passes.find((p) => p.pass === "plan");
  return {
    planner: bridge.renderChat(planner),
    // The first design decoded every token of its plan: what Ember forces in batches too.
    planTokens: plan ? plan.generatedTokens + plan.forcedTokens : 0,
    responder: bridge.renderChat(responder),
  };
}

/** The latest turns as text, oldest first, as many as fit in NAIVE_HISTORY_TOKENS. */
function renderHistory(
  history: readonly { question: string; answer: string }[],
  count: (text: string) => number,
): string {
  const kept: string[] = [];
  let tokens = 0;
  for (const { question, answer } of [...history].reverse()) {
    const text = `Q: ${question}\nA: ${answer}`;
    tokens += count(text);
    if (tokens > NAIVE_HISTORY_TOKENS) break;
    kept.unshift(text);
  }
  return kept.join("\n\n");
}
