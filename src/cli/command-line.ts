import type { ArgDef, ArgsDef, CommandDef, Resolvable } from "citty";
import { closestMatch } from "../text/closest-match.ts";
import { CliUsageError } from "./usage-error.ts";

/** One command on the way from `ember` to the one that runs. */
export interface CommandStep {
  name: string;
  command: CommandDef;
  /** Reached as the parent's default (plain `ember` is `ember repl`), not named on the line. */
  implied: boolean;
  /** The words on the line that belong to this command (for all but the last: options only). */
  args: string[];
}

/** A command line matched against the command tree, before anything runs. */
export interface ResolvedCommandLine {
  /** Root first. */
  path: CommandStep[];
  /** A word where a subcommand was expected that names none (`ember bogus`). */
  unknown?: string;
}

export const HELP_FLAGS = ["--help", "-h"];
export const VERSION_FLAGS = ["--version", "-v"];

export async function resolveValue<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** Walks the subcommands named on the line; a command with subcommands and no words of its own
 *  takes its default, if it has one. */
export async function resolveCommandLine(root: CommandDef, rawArgs: string[]): Promise<ResolvedCommandLine> {
  const rootName = (await resolveValue(root.meta ?? {})).name ?? "ember";
  const path: CommandStep[] = [{ name: rootName, command: root, implied: false, args: rawArgs }];
  for (;;) {
    const step = path.at(-1)!;
    const { command, args } = step;
    const subCommands = await resolveValue(command.subCommands ?? {});
    if (Object.keys(subCommands).length === 0) return { path };
    const defs = await resolveValue(command.args ?? {});
    const at = firstWordIndex(args, defs);
    if (at === -1) {
      const fallback = command.default === undefined ? undefined : await resolveValue(command.default);
      const sub = fallback === undefined ? undefined : subCommands[fallback];
      if (fallback === undefined || sub === undefined) return { path };
      step.args = [];
      path.push({ name: fallback, command: await resolveValue(sub), implied: true, args });
      continue;
    }
    const word = args[at]!;
    const sub = Object.hasOwn(subCommands, word) ? subCommands[word] : undefined;
    if (sub === undefined) {
      // A command with words of its own (`ember ask what is…`) reads this one itself.
      if (Object.values(defs).some((def) => def.type === "positional")) return { path };
      return { path, unknown: word };
    }
    // As citty does: options before the subcommand's name are the parent's, the rest the child's.
    step.args = args.slice(0, at);
    path.push({ name: word, command: await resolveValue(sub), implied: false, args: args.slice(at + 1) });
  }
}

/** How messages name the command: `ember`, `ember index`, `ember model pull`. */
export function commandLabel(path: readonly CommandStep[]): string {
  return path
    .filter((step) => !step.implied)
    .map((step) => step.name)
    .join(" ");
}

/** The subcommand names of the last command in `path`, for "did you mean". */
export async function subCommandNames(command: CommandDef): Promise<string[]> {
  return Object.keys(await resolveValue(command.subCommands ?? {}));
}

/**
 * Throws a CliUsageError for the first word the command does not take: an option it does not
 * define, an option missing its value, a word when it takes none, or an unknown subcommand.
 */
export async function checkCommandLine(line: ResolvedCommandLine): Promise<void> {
  const last = line.path.at(-1)!.command;
  if (line.unknown !== undefined) {
    const hint = closestMatch(line.unknown, await subCommandNames(last));
    throw new CliUsageError(`unknown command ${line.unknown}${hint ? ` — did you mean ${hint}?` : ""}`);
  }
  for (const step of line.path) await checkWords(step.command, step.args);
}

async function checkWords(command: CommandDef, args: readonly string[]): Promise<void> {
  const defs = await resolveValue(command.args ?? {});
  const takesWords = Object.values(defs).some((def) => def.type === "positional");
  const hasSubCommands = (await subCommandNames(command)).length > 0;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === "--") {
      const next = args[i + 1];
      if (!takesWords && next !== undefined) throw new CliUsageError(`unexpected argument ${next}`);
      return;
    }
    if (word.startsWith("-") && word !== "-") {
      const { def, inlineValue, flag } = findOption(word, defs);
      if (!def) throw new CliUsageError(`unknown option ${flag}`);
      if (takesValue(def) && inlineValue === undefined) {
        if (i + 1 >= args.length) throw new CliUsageError(`option ${flag} needs a value`);
        i++;
      }
      continue;
    }
    if (!takesWords) {
      throw new CliUsageError(hasSubCommands ? `unknown command ${word}` : `unexpected argument ${word}`);
    }
  }
}

function takesValue(def: ArgDef): boolean {
  return def.type === "string" || def.type === "enum";
}

/** The index of the first word that is not an option or an option's value, or -1. */
function firstWordIndex(args: readonly string[], defs: ArgsDef): number {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === "--") return -1;
    if (!word.startsWith("-")) return i;
    const { def, inlineValue } = findOption(word, defs);
    if (def && takesValue(def) && inlineValue === undefined) i++;
  }
  return -1;
}

/** citty accepts `--max-tokens`, `--maxTokens` and `--no-FLAG` for booleans; so does this check. */
function findOption(word: string, defs: ArgsDef): { def?: ArgDef; inlineValue?: string; flag: string } {
  const eq = word.indexOf("=");
  const flag = eq === -1 ? word : word.slice(0, eq);
  const inlineValue = eq === -1 ? undefined : word.slice(eq + 1);
  const entries = Object.entries(defs).filter(([, def]) => def.type !== "positional");
  const aliasesOf = (def: ArgDef) =>
    "alias" in def && def.alias !== undefined ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
  if (flag.startsWith("--")) {
    const name = normalise(flag.slice(2));
    for (const [key, def] of entries) {
      const names = [key, ...aliasesOf(def)].map(normalise);
      if (names.includes(name)) return { def, inlineValue, flag };
      if (def.type === "boolean" && names.some((n) => `no${n}` === name)) return { def, inlineValue, flag };
    }
    return { flag };
  }
  // -f, or -n5 (a one-letter option with its value attached)
  const letter = flag.slice(1, 2);
  for (const [, def] of entries) {
    if (!aliasesOf(def).includes(letter)) continue;
    if (flag.length === 2) return { def, inlineValue, flag };
    if (takesValue(def)) return { def, inlineValue: flag.slice(2), flag: `-${letter}` };
  }
  return { flag };
}

function normalise(name: string): string {
  return name.replace(/[-_]/g, "").toLowerCase();
}
