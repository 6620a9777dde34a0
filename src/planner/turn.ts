import type { Token } from "node-llama-cpp";
import type { App } from "../app.ts";
import type { CommandOutput } from "../commands/types.ts";
import {
  commonPrefixLength,
  type EvaluationCount,
  type Generation,
  type LlamaBridge,
} from "../llm/bridge.ts";
import { ContextOverflowError, LlmTimeoutError } from "../llm/errors.ts";
import type { PrefixCache } from "../llm/prefix-cache.ts";
import { createStyle } from "../terminal/style.ts";
import { type GroundingRecord, groundingRecords } from "../vault/excerpt.ts";
import { groundQuestion } from "./grounding.ts";
import { describeCommands, plannerMessages, responderMessages, staticValues } from "./layout.ts";
import type { ConversationMemory } from "./memory.ts";
import {
  createPlanGrammar,
  fitPlanLimits,
  isCompleteJson,
  PLAN_SHAPES,
  type Plan,
  parsePlan,
  planTokenBias,
  planTokenBound,
} from "./plan-schema.ts";
import { loadPrompts, type PromptValues } from "./prompts.ts";

/**
 * One plain-language turn: retrieve grounding, plan (grammar-bound JSON naming planner-allowed
 * commands), act (run them as the planner, output captured and capped), respond (streamed), or
 * answer straight from the plan when no command ran.
 */

export interface CommandRecord {
  name: string;
  args: string[];
  output: string;
  ms: number;
  ok: boolean;
  refused?: string;
  error?: string;
}

export interface PassCount extends EvaluationCount {
  pass: "plan" | "respond";
  generatedTokens: number;
}

export interface TurnTimings {
  retrieveMs: number;
  planMs: number;
  actMs: number;
  respondMs: number;
  /** Prompt tokens of both passes. */
  promptTokens: number;
  /** Of those, evaluated by llama.cpp during this turn... */
  evaluatedTokens: number;
  /** ...and found already evaluated (in memory, or loaded from the prefix cache). */
  reusedTokens: number;
  generatedTokens: number;
  /** The static prefix's length, and where it came from this turn. */
  staticTokens: number;
  prefix: "memory" | "disk" | "evaluated" | "none";
  passes: PassCount[];
}

export interface TurnResult {
  question: string;
  plan: Plan;
  commands: CommandRecord[];
  /** The answer; partial when the turn was stopped. */
  response: string;
  answeredBy: "plan" | "responder";
  /** The vault excerpts the answer was grounded in. */
  grounding: GroundingRecord[];
  stopped?: "interrupted" | "timeout";
  timings: TurnTimings;
}

export interface TurnEvents {
  onPlan?(plan: Plan): void;
  onCommandStart?(line: string): void;
  onCommandOutput?(text: string): void;
  onCommandDone?(record: CommandRecord): void;
  /** Answer text as it is generated (all at once when the plan answers). */
  onAnswerText?(text: string): void;
}

export interface TurnDeps {
  app: App;
  bridge: LlamaBridge;
  memory: ConversationMemory;
  /** Absent: the static prefix is kept in memory only. */
  prefixCache?: PrefixCache;
}

export interface TurnOptions {
  question: string;
  signal?: AbortSignal;
  events?: TurnEvents;
  /** A plan to act on instead of generating one (scripted turns and tests). */
  plan?: Plan;
  seed?: number;
}

const PLAIN = createStyle(false);

export async function runTurn(deps: TurnDeps, options: TurnOptions): Promise<TurnResult> {
  const { app, bridge, memory } = deps;
  const { llm } = app.settings.config;
  const events = options.events ?? {};
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new LlmTimeoutError(llm.timeoutSeconds)),
    llm.timeoutSeconds * 1000,
  );
  const forward = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) forward();
  options.signal?.addEventListener("abort", forward, { once: true });
  const signal = controller.signal;

  const timings: TurnTimings = {
    retrieveMs: 0,
    planMs: 0,
    actMs: 0,
    respondMs: 0,
    promptTokens: 0,
    evaluatedTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    staticTokens: 0,
    prefix: "none",
    passes: [],
  };
  const result: TurnResult = {
    question: options.question,
    plan: options.plan ?? { response: "", commands: [] },
    commands: [],
    response: "",
    answeredBy: "plan",
    grounding: [],
    timings,
  };
  const addPass = (pass: PassCount["pass"], generation: Generation, extraEvaluated = 0) => {
    const evaluatedTokens = generation.evaluatedTokens + extraEvaluated;
    const count: PassCount = {
      pass,
      promptTokens: generation.promptTokens,
      evaluatedTokens,
      reusedTokens: generation.promptTokens - evaluatedTokens,
      generatedTokens: generation.generatedTokens,
    };
    timings.passes.push(count);
    timings.promptTokens += count.promptTokens;
    timings.evaluatedTokens += count.evaluatedTokens;
    timings.reusedTokens += count.reusedTokens;
    timings.generatedTokens += count.generatedTokens;
  };
  let phaseStart = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - phaseStart);
    phaseStart = now;
    return ms;
  };

  try {
    const prompts = loadPrompts({
      plannerPath: llm.plannerPrompt,
      responderPath: llm.responderPrompt,
      vaultDir: app.settings.vaultDir,
      cwd: app.cwd,
    });
    const countTokens = (text: string) => bridge.countTokens(text);
    const grounding = groundQuestion(
      app.settings.vaultDir,
      options.question,
      app.settings.config.grounding,
      countTokens,
      app.logger,
    );
    result.grounding = groundingRecords(grounding.excerpts);
    const allowed = app.commands.plannerAllowed();
    const values: PromptValues = {
      commands: describeCommands(allowed),
      documentation: grounding.text,
      history: memory.renderHistory(llm.historyTokens, countTokens) || "(nothing yet)",
      user_prompt: options.question,
      tool_outputs: "",
    };
    const planner = plannerMessages(prompts.planner, values);
    const plannerTokens = bridge.renderChat(planner);
    const probe = bridge.renderChat(
      plannerMessages(prompts.planner, staticValues(values, grounding.staticText)),
    );
    timings.staticTokens = commonPrefixLength(probe, plannerTokens);
    timings.retrieveMs = lap();

    let planText: string;
    let planTokens: Token[] | undefined;
    const prefixEvaluated = await ensureStaticPrefix(
      deps,
      plannerTokens.slice(0, timings.staticTokens),
      timings,
      signal,
    );
    if (options.plan) {
      // A given plan still goes through the planner's prompt, so the turn's layout and token
      // accounting are those of a generated one; only the generation is skipped.
      const count = await bridge.evaluate(plannerTokens, signal);
      addPass(
        "plan",
        { ...count, text: "", tokens: [], generatedTokens: 0, stopReason: "complete" },
        prefixEvaluated,
      );
      planText = JSON.stringify(options.plan);
    } else {
      const names = allowed.map((c) => c.name);
      const available = bridge.contextSize - plannerTokens.length;
      const limits = fitPlanLimits(names, llm.maxPlannedCommands, available);
      if (!limits)
        throw new ContextOverflowError(
          plannerTokens.length + planTokenBound(names, { ...PLAN_SHAPES.at(-1)!, commands: 1 }),
          bridge.contextSize,
        );
      const generation = await bridge.generate(plannerTokens, {
        maxTokens: planTokenBound(names, limits),
        temperature: llm.temperature,
        topP: llm.topP,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        grammar: await createPlanGrammar(bridge.model.llama, names, limits),
        tokenBias: planTokenBias(bridge.model),
        isComplete: isCompleteJson,
        signal,
      });
      addPass("plan", generation, prefixEvaluated);
      signal.throwIfAborted();
      planText = generation.text;
      planTokens = generation.tokens;
      result.plan = parsePlan(planText, names, llm.maxPlannedCommands);
    }
    events.onPlan?.(result.plan);
    timings.planMs = lap();

    for (const planned of result.plan.commands) {
      signal.throwIfAborted();
      const record = await runPlannedCommand(app, planned, llm.commandOutputChars, events, signal);
      result.commands.push(record);
    }
    timings.actMs = lap();

    if (!result.commands.some((c) => c.refused === undefined)) {
      result.response = result.plan.response;
      events.onAnswerText?.(result.response);
    } else {
      result.answeredBy = "responder";
      const respond = (toolOutputs: string) => {
        const messages = responderMessages(planner, planText, prompts.responder, {
          ...values,
          tool_outputs: toolOutputs,
        });
        return planTokens
          ? bridge.renderContinuation(messages, planner.length, planTokens)
          : bridge.renderChat(messages);
      };
      const tokens = fitToolOutputs(
        respond,
        renderToolOutputs(result.commands),
        bridge.contextSize - llm.maxTokens,
      );
      const generation = await bridge.generate(tokens, {
        maxTokens: llm.maxTokens,
        temperature: llm.temperature,
        topP: llm.topP,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        signal,
        onText: (text) => {
          result.response += text;
          events.onAnswerText?.(text);
        },
      });
      addPass("respond", generation);
      result.response = generation.stopReason === "aborted" ? generation.text : generation.text.trim();
      signal.throwIfAborted();
    }
    timings.respondMs = lap();
  } catch (error) {
    if (!signal.aborted) throw error;
    result.stopped = signal.reason instanceof LlmTimeoutError ? "timeout" : "interrupted";
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", forward);
  }

  memory.record({
    question: result.question,
    answer: result.response,
    commands: result.commands.map(({ name, args, ok, refused, ms }) => ({
      name,
      args,
      ok,
      ms,
      ...(refused ? { refused } : {}),
    })),
    ...(result.stopped ? { stopped: result.stopped } : {}),
    grounding: result.grounding,
    timings: numericTimings(timings),
  });
  app.logger.log.info("turn", {
    ...numericTimings(timings),
    prefix: timings.prefix,
    commands: result.commands.map((c) => c.name),
    answeredBy: result.answeredBy,
    stopped: result.stopped,
  });
  return result;
}

function numericTimings(timings: TurnTimings): Record<string, number> {
  const { prefix: _prefix, passes: _passes, ...numbers } = timings;
  return numbers;
}

/**
 * Makes sure the sequence starts with the static prefix: already there (same session), loaded
 * from the prefix cache (a restart), or evaluated now and saved. Returns the tokens evaluated.
 */
async function ensureStaticPrefix(
  deps: TurnDeps,
  prefix: Token[],
  timings: TurnTimings,
  signal: AbortSignal,
): Promise<number> {
  const { bridge, prefixCache, app } = deps;
  if (prefix.length === 0) return 0;
  if (commonPrefixLength(bridge.contextTokens, prefix) === prefix.length) {
    timings.prefix = "memory";
    return 0;
  }
  if (prefixCache && (await prefixCache.load(bridge, prefix))) {
    timings.prefix = "disk";
    app.logger.log.info("prefix loaded", { tokens: prefix.length });
    return 0;
  }
  const count = await bridge.evaluate(prefix, signal);
  timings.prefix = "evaluated";
  if (prefixCache) {
    try {
      const file = await prefixCache.save(bridge, prefix);
      app.logger.log.info("prefix saved", { tokens: prefix.length, file });
    } catch (error) {
      app.logger.log.warn("prefix not saved", { error: (error as Error).message });
    }
  }
  return count.evaluatedTokens;
}

async function runPlannedCommand(
  app: App,
  planned: Plan["commands"][number],
  cap: number,
  events: TurnEvents,
  signal: AbortSignal,
): Promise<CommandRecord> {
  const line = `/${[planned.name, ...planned.args].join(" ")}`;
  events.onCommandStart?.(line);
  let output = "";
  let cut = false;
  const take = (text: string) => {
    events.onCommandOutput?.(text);
    if (cut) return;
    output += text;
    if (output.length > cap) {
      output = `${output.slice(0, cap)}\n[… output cut at ${cap} characters]`;
      cut = true;
    }
  };
  const out: CommandOutput = { line: (text = "") => take(`${text}\n`), write: take };
  const run = await app.commands.run(line, { app, source: "planner", out, style: PLAIN, signal });
  const record: CommandRecord = {
    name: planned.name,
    args: planned.args,
    output: output.trimEnd(),
    ms: run.ms,
    ok: run.ok,
    ...(run.refused ? { refused: run.refused } : {}),
    ...(run.error ? { error: run.error } : {}),
  };
  events.onCommandDone?.(record);
  return record;
}

export function renderToolOutputs(commands: readonly CommandRecord[]): string {
  return commands
    .map((c) => {
      const line = `/${[c.name, ...c.args].join(" ")}`;
      if (c.refused) return `${line}\n(refused: ${c.refused})`;
      return `${line}\n${c.output === "" ? "(no output)" : c.output}`;
    })
    .join("\n\n");
}

/** The responder prompt with tool outputs cut (from the end) until prompt and answer fit the context. */
function fitToolOutputs(
  render: (toolOutputs: string) => Token[],
  toolOutputs: string,
  limit: number,
): Token[] {
  let text = toolOutputs;
  for (;;) {
    const tokens = render(text);
    if (tokens.length <= limit) return tokens;
    if (text === "") throw new ContextOverflowError(tokens.length, limit);
    const keep = Math.floor(text.length * (limit / tokens.length) * 0.9);
    text = keep <= 0 ? "" : `${text.slice(0, keep)}\n[… outputs cut to fit the context]`;
  }
}
