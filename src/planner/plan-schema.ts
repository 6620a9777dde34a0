import type { Llama, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";
import { TokenBias } from "node-llama-cpp";
import * as v from "valibot";
import { PlanParseError } from "../llm/errors.ts";

/**
 * The plan is the list of commands to run, nothing else: `{"commands":[{"name","args"}]}` with
 * names limited to the planner-allowed commands. Its opening, `{"commands":[`, is the same every
 * time, so it is added to the context as tokens (evaluated in one batch) and the model decodes
 * only the rest, under a grammar (GBNF) that admits just the planner-allowed names and bounded
 * arguments and ends when the list closes. Inside the list, what the grammar forces is added as
 * tokens too (forcedPlanText): the model decodes only where it has a choice. When the list is empty the answer follows at once as
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

/** The names as the grammar spells them (a plugin's name could hold anything). */
function grammarNames(commandNames: readonly string[]): string[] {
  return commandNames.map((n) => n.replace(/[^a-z0-9_-]/gi, ""));
}

/** One character of an argument: printable ASCII without the quote and the backslash. */
const ARG_CHAR = /^[\x20-\x21\x23-\x5B\x5D-\x7E]$/;

/** The grammar of what follows PLAN_OPENING: the list's items, then `]}`. */
export function planGrammarText(commandNames: readonly string[], limits: PlanLimits): string {
  if (commandNames.length === 0 || limits.commands === 0) return 'root ::= "]}"';
  const names = grammarNames(commandNames)
    .map((n) => JSON.stringify(n))
    .join(" | ");
  return [
    `root ::= ("]}" | item ${repeat('"," item', 0, limits.commands - 1)} "]}")`,
    `item ::= "{\\"name\\":\\"" name "\\",\\"args\\":[" args "]}"`,
    `name ::= ${names}`,
    `args ::= (arg ${repeat('"," arg', 0, limits.argsPerCommand - 1)})?`,
    // Printable ASCII without the quote and the backslash: no escape can stretch an argument.
    `arg ::= "\\"" ${repeat("[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]", 0, limits.argChars)} "\\""`,
  ].join("\n");
}

/**
 * What the grammar admits as the only way on after `rest` (the plan so far, after PLAN_OPENING):
 * `"name":"` after an item's `{`, the rest of a name once its start tells which, `","args":[`
 * after it, `}` after the args, `]}` once the list is full. Empty where the model has a choice.
 * These characters are forced: they are evaluated as one batch, not decoded token by token.
 */
export function forcedPlanText(rest: string, commandNames: readonly string[], limits: PlanLimits): string {
  const names = grammarNames(commandNames);
  let forced = "";
  for (;;) {
    const next = nextPlanChars(rest + forced, names, limits);
    if (next?.size !== 1) return forced;
    forced += [...next][0];
  }
}

/** Reached the end of the text: these characters may come next (undefined: many, or the text is off). */
class PlanEnd {
  constructor(readonly next: ReadonlySet<string> | undefined) {}
}

/** The characters the plan grammar admits right after `text`; a recognizer of planGrammarText. */
function nextPlanChars(
  text: string,
  names: readonly string[],
  limits: PlanLimits,
): ReadonlySet<string> | undefined {
  let i = 0;
  const peek = (choices: readonly string[]): string => {
    if (i === text.length) throw new PlanEnd(new Set(choices));
    if (!choices.includes(text[i]!)) throw new PlanEnd(undefined);
    return text[i]!;
  };
  const literal = (expected: string) => {
    for (const c of expected) {
      peek([c]);
      i++;
    }
  };
  const name = () => {
    let typed = "";
    for (;;) {
      const candidates = names.filter((n) => n.startsWith(typed));
      const next = new Set(candidates.filter((n) => n.length > typed.length).map((n) => n[typed.length]!));
      if (candidates.includes(typed)) next.add('"');
      if (peek([...next]) === '"') return;
      typed += text[i++];
    }
  };
  const arg = () => {
    literal('"');
    for (let length = 0; ; length++) {
      if (i === text.length) throw new PlanEnd(length < limits.argChars ? undefined : new Set(['"']));
      if (text[i] === '"') break;
      if (length === limits.argChars || !ARG_CHAR.test(text[i]!)) throw new PlanEnd(undefined);
      i++;
    }
    i++;
  };
  const item = () => {
    literal('{"name":"');
    name();
    literal('","args":[');
    for (let args = 0; ; args++) {
      const choices = args === 0 ? ['"', "]"] : args < limits.argsPerCommand ? [",", "]"] : ["]"];
      if (peek(limits.argsPerCommand === 0 ? ["]"] : choices) === "]") break;
      if (args > 0) literal(",");
      arg();
    }
    literal("]}");
  };
  try {
    if (names.length > 0 && limits.commands > 0 && peek(["]", "{"]) === "{")
      for (let items = 1; ; items++) {
        item();
        if (peek(items < limits.commands ? [",", "]"] : ["]"]) === "]") break;
        literal(",");
      }
    literal("]}");
    return i === text.length ? new Set() : undefined;
  } catch (end) {
    if (end instanceof PlanEnd) return end.next;
    throw end;
  }
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
