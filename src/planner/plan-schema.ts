import type { Llama, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";
import { TokenBias } from "node-llama-cpp";
import * as v from "valibot";
import { PlanParseError } from "../llm/errors.ts";

/**
 * The plan is the list of commands to run, nothing else: `{"commands":[{"name","args"}]}` with
 * names limited to the planner-allowed commands. Its opening, `{"commands":[`, is the same every
 * time, so it is added to the context as tokens (evaluated in one batch) and the model decodes
 * only the rest, under a grammar (GBNF) that admits just the planner-allowed names and bounded
 * arguments and ends when the list closes. When the list is empty the answer follows at once as
 * free text in the same reply.
 *
 * Plan tokens are limited to printable ASCII without backslashes or line breaks, so each adds at
 * least one character: the longest rest the grammar admits has a known length, and generation
 * gets that many tokens, so the grammar always completes before the cap.
 */

/** What the reply starts with; added, never decoded. */
export const PLAN_OPENING = '{"commands":[';

/** How big a plan may be; every bound of the grammar comes from here. */
export interface PlanLimits {
  commands: number;
  argsPerCommand: number;
  argChars: number;
}

/** From roomiest to tightest: a turn takes the first that fits the context left after its prompt. */
export const PLAN_SHAPES: readonly Omit<PlanLimits, "commands">[] = [
  { argsPerCommand: 3, argChars: 48 },
  { argsPerCommand: 2, argChars: 32 },
  { argsPerCommand: 1, argChars: 24 },
];

export interface PlannedCommand {
  name: string;
  args: string[];
}

export interface Plan {
  commands: PlannedCommand[];
}

/** `rule` repeated `min`..`max` times, spelled so every llama.cpp grammar parser takes it. */
function repeat(rule: string, min: number, max: number): string {
  const required = Array.from({ length: min }, () => rule);
  const optional = max > min ? [`(${rule}){0,${max - min}}`] : [];
  return [...required, ...optional].join(" ");
}

/** The grammar of what follows PLAN_OPENING: the list's items, then `]}`. */
export function planGrammarText(commandNames: readonly string[], limits: PlanLimits): string {
  if (commandNames.length === 0 || limits.commands === 0) return 'root ::= "]}"';
  const names = commandNames.map((n) => JSON.stringify(n.replace(/[^a-z0-9_-]/gi, ""))).join(" | ");
  return [
    `root ::= ("]}" | item ${repeat('"," item', 0, limits.commands - 1)} "]}")`,
    `item ::= "{\\"name\\":\\"" name "\\",\\"args\\":[" args "]}"`,
    `name ::= ${names}`,
    `args ::= (arg ${repeat('"," arg', 0, limits.argsPerCommand - 1)})?`,
    // Printable ASCII without the quote and the backslash: no escape can stretch an argument.
    `arg ::= "\\"" ${repeat("[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]", 0, limits.argChars)} "\\""`,
  ].join("\n");
}

/** The most tokens the rest of a plan can take: one per character of the longest one admitted. */
export function planTokenBound(commandNames: readonly string[], limits: PlanLimits): number {
  const longestName = commandNames.reduce((a, b) => (b.length > a.length ? b : a), "");
  const longest: Plan = {
    commands:
      commandNames.length === 0
        ? []
        : Array.from({ length: limits.commands }, () => ({
            name: longestName,
            args: Array.from({ length: limits.argsPerCommand }, () => "x".repeat(limits.argChars)),
          })),
  };
  return JSON.stringify(longest).length - PLAN_OPENING.length;
}

/**
 * The roomiest plan limits whose longest plan fits in `availableTokens`, with up to `maxCommands`
 * commands (fewer if that is what it takes); undefined when not even one command fits.
 */
export function fitPlanLimits(
  commandNames: readonly string[],
  maxCommands: number,
  availableTokens: number,
): PlanLimits | undefined {
  for (let commands = maxCommands; commands >= 1; commands--) {
    for (const shape of PLAN_SHAPES) {
      const limits = { ...shape, commands };
      if (planTokenBound(commandNames, limits) <= availableTokens) return limits;
    }
  }
  return undefined;
}

export function createPlanGrammar(
  llama: Llama,
  commandNames: readonly string[],
  limits: PlanLimits,
): Promise<LlamaGrammar> {
  return llama.createGrammar({ grammar: planGrammarText(commandNames, limits) });
}

const biasByModel = new WeakMap<LlamaModel, TokenBias>();

/** Bans every token that is not plain printable ASCII (or that holds a backslash) from plans. */
export function planTokenBias(model: LlamaModel): TokenBias {
  let bias = biasByModel.get(model);
  if (bias) return bias;
  bias = new TokenBias(model.tokenizer);
  const vocabulary = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  for (let id = 0; id < vocabulary; id++) {
    const token = id as Token;
    if (model.isEogToken(token)) continue;
    const text = model.detokenize([token]);
    if (text === "" || !/^[\x20-\x7e]+$/.test(text) || text.includes("\\")) bias.set(token, "never");
  }
  biasByModel.set(model, bias);
  return bias;
}

/** True once the plan's rest closes the list: the moment a grammar-bound plan is finished. */
export function isCompletePlan(rest: string): boolean {
  if (!rest.endsWith("]}")) return false;
  try {
    JSON.parse(PLAN_OPENING + rest);
    return true;
  } catch {
    return false;
  }
}

export function planSchema(commandNames: readonly string[], maxCommands: number) {
  return v.strictObject({
    commands: v.pipe(
      v.array(
        v.strictObject({
          name: v.picklist(commandNames.length > 0 ? [...commandNames] : [""]),
          args: v.array(v.string()),
        }),
      ),
      v.maxLength(commandNames.length > 0 ? maxCommands : 0),
    ),
  });
}

/** Parses a whole plan (`{"commands":[…]}`); PlanParseError says what is wrong. */
export function parsePlan(text: string, commandNames: readonly string[], maxCommands: number): Plan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PlanParseError(`the plan is not JSON: ${(error as Error).message}`);
  }
  const result = v.safeParse(planSchema(commandNames, maxCommands), data);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue?.path?.map((p) => String(p.key)).join(".") ?? "";
    throw new PlanParseError(
      `the plan does not fit its schema${path ? ` at ${path}` : ""}: ${issue?.message}`,
    );
  }
  return result.output;
}
