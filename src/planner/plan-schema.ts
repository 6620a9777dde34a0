import type { GbnfJsonSchema, Llama, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";
import { TokenBias } from "node-llama-cpp";
import * as v from "valibot";

/**
 * The plan the model must produce: `{"response": string, "commands": [{"name", "args"}]}`, with
 * names limited to the planner-allowed commands. Generation is constrained by a grammar built from
 * this schema, so a plan that does not parse cannot be produced; it is parsed with valibot all the same.
 *
 * Every count and string length is bounded, and plan tokens are limited to printable ASCII without
 * backslashes or line breaks (so each token adds at least one character and no escape sequence can
 * stretch a string): the longest plan the grammar admits has a known length in characters, and
 * generation gets that many tokens, so the grammar always completes before the cap.
 */

/** How big a plan may be; every bound of the grammar comes from here. */
export interface PlanLimits {
  /** Characters of the plan's "response" (the whole answer when no command runs). */
  responseChars: number;
  commands: number;
  argsPerCommand: number;
  argChars: number;
}

/** From roomiest to tightest: a turn takes the first that fits the context left after its prompt. */
export const PLAN_SHAPES: readonly Omit<PlanLimits, "commands">[] = [
  { responseChars: 320, argsPerCommand: 3, argChars: 48 },
  { responseChars: 200, argsPerCommand: 2, argChars: 32 },
  { responseChars: 120, argsPerCommand: 2, argChars: 24 },
  { responseChars: 80, argsPerCommand: 1, argChars: 24 },
];

export interface PlannedCommand {
  name: string;
  args: string[];
}

export interface Plan {
  response: string;
  commands: PlannedCommand[];
}

export class PlanParseError extends Error {
  override name = "PlanParseError";
}

export function planJsonSchema(commandNames: readonly string[], limits: PlanLimits): GbnfJsonSchema {
  const command =
    commandNames.length > 0
      ? {
          type: "object",
          properties: {
            name: { enum: [...commandNames] },
            args: {
              type: "array",
              maxItems: limits.argsPerCommand,
              items: { type: "string", maxLength: limits.argChars },
            },
          },
        }
      : { type: "string", maxLength: 0 };
  return {
    type: "object",
    properties: {
      response: { type: "string", maxLength: limits.responseChars },
      commands: {
        type: "array",
        maxItems: commandNames.length > 0 ? limits.commands : 0,
        items: command,
      },
    },
  } as GbnfJsonSchema;
}

/**
 * The most tokens a plan can take: the characters of the longest plan the schema admits, plus one
 * optional space at every place the grammar allows whitespace (two per structural character is generous).
 */
export function planTokenBound(commandNames: readonly string[], limits: PlanLimits): number {
  const longestName = commandNames.reduce((a, b) => (b.length > a.length ? b : a), "");
  const longest: Plan = {
    response: "x".repeat(limits.responseChars),
    commands:
      commandNames.length === 0
        ? []
        : Array.from({ length: limits.commands }, () => ({
            name: longestName,
            args: Array.from({ length: limits.argsPerCommand }, () => "x".repeat(limits.argChars)),
          })),
  };
  const compact = JSON.stringify(longest);
  const structural = compact.replace(/"(?:[^"\\]|\\.)*"/g, "").length;
  return compact.length + 2 * structural + 2;
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
  // The schema is built at run time, so its literal type cannot be inferred; its shape is fixed above.
  const schema = planJsonSchema(commandNames, limits) as Parameters<Llama["createGrammarForJsonSchema"]>[0];
  return llama.createGrammarForJsonSchema(schema);
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

/** True once `text` is a whole JSON value: the moment a grammar-bound plan is finished. */
export function isCompleteJson(text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.endsWith("}")) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

export function planSchema(commandNames: readonly string[], maxCommands: number) {
  return v.object({
    response: v.string(),
    commands: v.pipe(
      v.array(
        v.object({
          name: v.picklist(commandNames.length > 0 ? [...commandNames] : [""]),
          args: v.array(v.string()),
        }),
      ),
      v.maxLength(commandNames.length > 0 ? maxCommands : 0),
    ),
  });
}

/** Parses a generated plan; PlanParseError says what is wrong. */
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
