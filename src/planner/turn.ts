import type { App } from "../app.ts";
import type { Conversation, ConversationMark, PrefixSource } from "../llm/conversation.ts";
import { LlmTimeoutError } from "../llm/errors.ts";
import type { StateFiles } from "../llm/state-files.ts";
import { TerminatedError } from "../os/termination.ts";
import type { GroundingRecord } from "../vault/excerpt.ts";
import { type ActEvents, act, type CommandRecord } from "./act.ts";
import { plan } from "./plan.ts";
import type { Plan } from "./plan-schema.ts";
import { loadConfiguredPrompts, type Prompts } from "./prompts.ts";
import { respond } from "./respond.ts";
import { retrieveForTurn } from "./retrieve.ts";
import { staticSystemText } from "./static-prefix.ts";
import type { Transcript } from "./transcript.ts";
import { emptyTimings, numericTimings, type TurnTimings } from "./turn-timings.ts";

/**
 * One plain-language turn in a session's conversation: retrieve (the excerpts new to the
 * conversation, src/planner/retrieve.ts), plan (the command list, grammar-bound), act (the commands, as structured calls),
 * respond (the answer, streamed). Each step is a file of its own; this one runs them in order,
 * under one signal that Ctrl-C and `llm.timeoutSeconds` both fire, and records the turn.
 */

export type { CommandRecord } from "./act.ts";
export type { PassCount, TurnTimings } from "./turn-timings.ts";

export interface TurnResult {
  question: string;
  plan: Plan;
  commands: CommandRecord[];
  /** The answer; partial when the turn was stopped. */
  response: string;
  /** "plan": right after an empty command list, in the same reply; "responder": after the outputs. */
  answeredBy: "plan" | "responder";
  /** The excerpts the answer was grounded in: those this turn added, then those already held. */
  grounding: GroundingRecord[];
  stopped?: "interrupted" | "timeout" | "terminated";
  timings: TurnTimings;
}

export interface TurnEvents extends ActEvents {
  onPlan?(plan: Plan): void;
  /** Answer text as it is decoded. */
  onAnswerText?(text: string): void;
}

/** What a turn runs on; whoever owns the model passes it in (a REPL, `ember ask`, the engine). */
export interface TurnDeps {
  app: App;
  conversation: Conversation;
  transcript: Transcript;
  /** Where the static prefix is saved between processes; absent: kept in memory only. */
  prefixCache?: StateFiles;
}

export interface TurnOptions {
  question: string;
  signal?: AbortSignal;
  events?: TurnEvents;
  /** A plan to act on instead of generating one (scripted turns and tests). */
  plan?: Plan;
  seed?: number;
}

export async function runTurn(deps: TurnDeps, options: TurnOptions): Promise<TurnResult> {
  const { app, conversation } = deps;
  const { llm } = app.settings.config;
  const events = options.events ?? {};
  const { signal, dispose } = turnSignal(options.signal, llm.timeoutSeconds);
  const timings = emptyTimings();
  const result: TurnResult = {
    question: options.question,
    plan: options.plan ?? { commands: [] },
    commands: [],
    response: "",
    answeredBy: "plan",
    grounding: [],
    timings,
  };
  const started = performance.now();
  let phaseStart = started;
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - phaseStart);
    phaseStart = now;
    return ms;
  };
  const before = conversation.counters;
  let answerFrom = before;
  let rewindTo: ConversationMark | undefined;

  try {
    const prompts = loadConfiguredPrompts(app);
    const commandNames = app.commands.plannerAllowed().map((c) => c.name);
    timings.prefix = await startConversation(deps, prompts, signal);
    const mark = { ...conversation.mark(), evaluated: conversation.counters.evaluated };
    rewindTo = mark;
    timings.staticTokens = conversation.staticTokens;
    // What the turn found evaluated already: nothing when it had to evaluate the static prefix.
    timings.reusedTokens = timings.prefix === "evaluated" ? 0 : conversation.tokens.length;
    const { excerpts, grounding } = retrieveForTurn(app, conversation, options.question);
    result.grounding = grounding;
    timings.retrieveMs = lap();

    const planned = await plan({
      conversation,
      template: prompts.planner,
      question: options.question,
      excerpts,
      commandNames,
      llm,
      ...(options.plan ? { given: options.plan } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      signal,
    });
    result.plan = planned.plan;
    // The static prefix, if this turn evaluated it, counts with the plan whose prompt starts with it.
    const prefixEvaluated = mark.evaluated - before.evaluated;
    timings.evaluatedBeforePlan = planned.pass.evaluatedTokens + prefixEvaluated;
    timings.passes.push({
      ...planned.pass,
      evaluatedTokens: planned.pass.evaluatedTokens + prefixEvaluated,
      reusedTokens: Math.max(0, planned.pass.reusedTokens - prefixEvaluated),
    });
    events.onPlan?.(result.plan);
    timings.planMs = lap();

    result.commands = await act(app, result.plan.commands, {
      capChars: llm.commandOutputChars,
      events,
      signal,
    });
    timings.actMs = lap();

    if (result.commands.length > 0) result.answeredBy = "responder";
    answerFrom = conversation.counters;
    const generation = await respond({
      conversation,
      template: prompts.responder,
      question: options.question,
      commands: result.commands,
      llm,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      signal,
      onText: (text) => {
        if (result.response === "") timings.firstAnswerMs = Math.round(performance.now() - started);
        result.response += text;
        events.onAnswerText?.(text);
      },
    });
    timings.passes.push({
      pass: "respond",
      promptTokens: generation.promptTokens,
      reusedTokens: generation.reusedTokens,
      evaluatedTokens: generation.evaluatedTokens,
      generatedTokens: generation.generatedTokens,
      forcedTokens: 0,
    });
    timings.evaluatedBeforeAnswer = answerFrom.evaluated - before.evaluated + generation.evaluatedTokens;
    timings.decodedBeforeAnswer =
      answerFrom.decoded - before.decoded + (generation.firstTextAfter || generation.generatedTokens);
    result.response = generation.stopReason === "aborted" ? generation.text : generation.text.trim();
    signal.throwIfAborted();
    timings.respondMs = lap();
  } catch (error) {
    // A turn that failed, or stopped before its answer began, leaves the conversation as it was.
    if (rewindTo && (!signal.aborted || result.response === "")) conversation.rewind(rewindTo);
    if (!signal.aborted) throw error;
    result.stopped =
      signal.reason instanceof LlmTimeoutError
        ? "timeout"
        : signal.reason instanceof TerminatedError
          ? "terminated"
          : "interrupted";
  } finally {
    dispose();
    const after = conversation.counters;
    timings.evaluatedTokens = after.evaluated - before.evaluated;
    timings.generatedTokens = after.decoded - before.decoded;
    timings.droppedTokens = after.dropped - before.dropped;
    timings.contextTokens = conversation.tokens.length;
    timings.promptTokens = timings.passes.at(-1)?.promptTokens ?? 0;
    if (timings.firstAnswerMs === null) {
      timings.evaluatedBeforeAnswer = timings.evaluatedTokens;
      timings.decodedBeforeAnswer = timings.generatedTokens;
    }
  }
  record(deps, result);
  return result;
}

/**
 * The static prefix for today's commands and core documents; the conversation restarts if it
 * changed. The prefill while the operator types starts it too, so the first question finds it ready.
 */
export async function startConversation(
  deps: Pick<TurnDeps, "app" | "conversation" | "prefixCache">,
  prompts: Prompts,
  signal: AbortSignal,
): Promise<PrefixSource> {
  const { app, conversation } = deps;
  const system = staticSystemText(app, prompts, (text) => conversation.countTokens(text));
  if (conversation.system === system) return "memory";
  if (conversation.system !== undefined)
    app.logger.log.info("static prefix changed: the conversation starts again", {
      turns: conversation.turnsStarted,
    });
  return conversation.start(system, { signal, ...(deps.prefixCache ? { cache: deps.prefixCache } : {}) });
}

/** One signal for the turn: the caller's (Ctrl-C) or the timeout, whichever fires first. */
function turnSignal(outer: AbortSignal | undefined, timeoutSeconds: number) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new LlmTimeoutError(timeoutSeconds)),
    timeoutSeconds * 1000,
  );
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener("abort", forward, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", forward);
    },
  };
}

function record(deps: TurnDeps, result: TurnResult): void {
  const { timings } = result;
  deps.transcript.record({
    question: result.question,
    answer: result.response,
    commands: result.commands.map(({ name, args, ok, refused, ms }) => ({
      name,
      args,
      ok,
      ms,
      ...(refused ? { refused } : {}),
    })),
    grounding: result.grounding,
    ...(result.stopped ? { stopped: result.stopped } : {}),
    timings: numericTimings(timings),
  });
  deps.app.logger.log.info("turn", {
    ...numericTimings(timings),
    prefix: timings.prefix,
    commands: result.commands.map((c) => c.name),
    answeredBy: result.answeredBy,
    stopped: result.stopped,
  });
}
