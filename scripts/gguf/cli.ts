import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** Bad command-line input: reported as one line, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface ParsedCli {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: string[];
}

/** node:util parseArgs, strict, with its errors turned into one-line UsageErrors. */
export function parseCli(args: string[], options: ParseArgsOptionsConfig, maxPositionals: number): ParsedCli {
  let parsed: ParsedCli;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs appends advice after the first sentence ("To specify a positional argument…").
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split(". ")[0]!);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals]}'`);
  }
  return parsed;
}

export interface IntegerRule {
  readonly min: number;
  readonly max: number;
  readonly multipleOf?: number;
}

/** The integer an option holds, or its default when absent. */
export function integerOption(
  name: string,
  raw: ParsedCli["values"][string],
  fallback: number,
  rule: IntegerRule,
): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  const step = rule.multipleOf ?? 1;
  if (!Number.isSafeInteger(value) || value < rule.min || value > rule.max || value % step !== 0) {
    const kind = step > 1 ? `a multiple of ${step}` : "an integer";
    throw new UsageError(`--${name} must be ${kind} from ${rule.min} to ${rule.max}, got '${raw}'`);
  }
  return value;
}

/** The choice an option holds, or its default when absent. */
export function choiceOption<T extends string>(
  name: string,
  raw: ParsedCli["values"][string],
  fallback: T,
  choices: readonly T[],
): T {
  if (raw === undefined) return fallback;
  const choice = choices.find((candidate) => candidate === raw);
  if (choice === undefined)
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got '${raw}'`);
  return choice;
}

/** Runs a CLI's main: usage errors print `<program>: <message>` and exit 2, other errors exit 1. */
export async function runCli(program: string, main: () => void | Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${program}: ${message.split("\n")[0]}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
