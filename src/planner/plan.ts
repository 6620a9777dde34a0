import type { Config } from "../config/schema.ts";
import type { Conversation, ConversationExcerpt, MessagePiece } from "../llm/conversation.ts";
import { ContextOverflowError } from "../llm/errors.ts";
import {
  createPlanGrammar,
  fitPlanLimits,
  forcedPlanText,
  isCompletePlan,
  PLAN_OPENING,
  PLAN_SHAPES,
  type Plan,
  parsePlan,
  planTokenBias,
  planTokenBound,
} from "./plan-schema.ts";
import { fillTemplate, type PromptTemplate } from "./prompts.ts";
import type { PassCount } from "./turn-timings.ts";

/**
 * The plan step of a turn: the turn's message (new excerpts and the question) joins the
 * conversation, the reply's fixed opening `{"commands":[` is added as tokens, and the model
 * decodes only the rest of the list under its grammar; what the grammar forces inside the list
 * (`"name":"`, the end of a name, `","args":[`) is added as tokens too, in one batch. Room for
 * the plan and a full answer is made first, so a turn that cannot fit fails here with one line
 * naming the setting to change.
 */

export const CONTEXT_SETTING =
  "raise llm.contextSize (LLAMA_CPP_CONTEXT) or lower llm.maxTokens (LLAMA_CPP_MAX_TOKENS)";

export interface PlanStepOptions {
  conversation: Conversation;
  template: PromptTemplate;
  question: string;
  excerpts: readonly ConversationExcerpt[];
  commandNames: readonly string[];
  llm: Config["llm"];
  /** A plan to act on instead of generating one (scripted turns and tests). */
  given?: Plan;
  seed?: number;
  signal: AbortSignal;
}

/** The turn's user message: the template around {excerpts}, each excerpt a piece of its own. */
export function turnMessage(
  template: PromptTemplate,
  question: string,
  excerpts: readonly ConversationExcerpt[],
): MessagePiece[] {
  const [before, after = ""] = template.user.split("{excerpts}") as [string, string?];
  const fill = (part: string) => fillTemplate(part, { user_prompt: question });
  return [fill(before), ...excerpts.map(({ id, text }) => ({ id, text })), fill(after)].filter(
    (p) => p !== "",
  );
}

/** What to change: also the core documents' budget when the static prefix alone leaves no room. */
function settingFor(conversation: Conversation, needed: number): string {
  if (conversation.staticTokens + needed <= conversation.contextSize) return CONTEXT_SETTING;
  return `${CONTEXT_SETTING}, or lower grounding.coreTokens (the static prefix alone takes ${conversation.staticTokens})`;
}

/** The answer comes after the plan's opening and list (and a line break), in the same reply or after the outputs. */
function answerRoom(conversation: Conversation, llm: Config["llm"]): number {
  return conversation.countTokens(PLAN_OPENING) + 1 + llm.maxTokens;
}

/**
 * The least room a turn needs after its message: the tightest plan (one command) and a full
 * answer. Less than that free, and the plan step erases earlier turns' excerpts, then turns.
 */
export function roomAfterMessage(
  conversation: Conversation,
  commandNames: readonly string[],
  llm: Config["llm"],
): number {
  return (
    answerRoom(conversation, llm) + planTokenBound(commandNames, { ...PLAN_SHAPES.at(-1)!, commands: 1 })
  );
}

export async function plan(options: PlanStepOptions): Promise<{ plan: Plan; pass: PassCount }> {
  const { conversation, llm, commandNames, signal } = options;
  conversation.beginTurn(turnMessage(options.template, options.question, options.excerpts));
  const afterPlan = answerRoom(conversation, llm);
  // The roomiest plan that fits the room there is; earlier turns are erased only when not even
  // the tightest plan (one command) fits beside a full answer.
  let limits = fitPlanLimits(commandNames, llm.maxPlannedCommands, conversation.free - afterPlan);
  if (!limits) {
    const needed = roomAfterMessage(conversation, commandNames, llm);
    const setting = settingFor(conversation, needed);
    await conversation.makeRoom(needed, setting);
    limits = fitPlanLimits(commandNames, llm.maxPlannedCommands, conversation.free - afterPlan);
    if (!limits)
      throw new ContextOverflowError(conversation.tokens.length + needed, conversation.contextSize, setting);
  }
  conversation.appendText(PLAN_OPENING);

  if (options.given) {
    conversation.appendText(JSON.stringify(options.given).slice(PLAN_OPENING.length));
    const count = await conversation.evaluate(signal);
    return { plan: options.given, pass: { pass: "plan", ...count, generatedTokens: 0, forcedTokens: 0 } };
  }
  const generation = await conversation.generate({
    maxTokens: planTokenBound(commandNames, limits),
    temperature: llm.temperature,
    topP: llm.topP,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    grammar: await createPlanGrammar(conversation.bridge.model.llama, commandNames, limits),
    tokenBias: planTokenBias(conversation.bridge.model),
    isComplete: isCompletePlan,
    forced: (rest) => forcedPlanText(rest, commandNames, limits),
    signal,
  });
  signal.throwIfAborted();
  return {
    plan: parsePlan(PLAN_OPENING + generation.text, commandNames, llm.maxPlannedCommands),
    pass: {
      pass: "plan",
      promptTokens: generation.promptTokens,
      reusedTokens: generation.reusedTokens,
      evaluatedTokens: generation.evaluatedTokens,
      generatedTokens: generation.generatedTokens,
      forcedTokens: generation.forcedTokens,
    },
  };
}
