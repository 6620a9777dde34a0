import { type ArgsDef, type CommandDef, runCommand } from "citty";
import { colorWanted } from "../terminal/style.ts";
import {
  checkCommandLine,
  commandLabel,
  HELP_FLAGS,
  type ResolvedCommandLine,
  resolveCommandLine,
  resolveValue,
  VERSION_FLAGS,
} from "./command-line.ts";
import { EXIT } from "./exit-codes.ts";
import { renderHelp, renderSynopsis } from "./usage.ts";
import { CliUsageError } from "./usage-error.ts";

/**
 * Runs Ember's command line. In place of citty's runMain because the conventions differ: an
 * unknown option or command is an error (exit 2) before anything runs, help is never coloured in a
 * pipe, and `ember help CMD` / `ember version` mean `--help` / `--version`.
 */
export async function runCli<T extends ArgsDef>(command: CommandDef<T>, rawArgs: string[]): Promise<void> {
  // citty's own runMain takes any command the same way; its types are invariant in the arguments.
  const root = command as unknown as CommandDef;
  const line = await resolveCommandLine(root, rawArgs);
  try {
    const options = rawArgs.slice(0, endOfOptions(rawArgs));
    if (options.some((word) => HELP_FLAGS.includes(word))) {
      process.stdout.write(await renderHelp(line.path, process.stdout));
      return;
    }
    if (rawArgs.length === 1 && VERSION_FLAGS.includes(rawArgs[0]!)) {
      process.stdout.write(`${(await resolveValue(root.meta ?? {})).version}\n`);
      return;
    }
    await checkCommandLine(line);
    await runCommand(root, { rawArgs });
  } catch (error) {
    if (!isUsageError(error)) throw error;
    await reportUsageError(line, error.message);
  }
}

/** One line naming the mistake, the command's synopsis, and where the full help is; exit 2. */
export async function reportUsageError(line: ResolvedCommandLine, message: string): Promise<void> {
  const label = commandLabel(line.path);
  const plain = colorWanted(process.stderr) ? message : Bun.stripANSI(message);
  const help = label === "ember" ? "ember help" : `ember help ${label.replace(/^ember /, "")}`;
  process.stderr.write(
    `${label}: ${plain}\n${await renderSynopsis(line.path)}\n(${help} shows every option)\n`,
  );
  process.exitCode = EXIT.usage;
}

/** Ours, or citty's own (a missing required argument, a value outside an enum's options). */
function isUsageError(error: unknown): error is Error {
  return error instanceof CliUsageError || (error instanceof Error && error.name === "CLIError");
}

function endOfOptions(args: readonly string[]): number {
  const end = args.indexOf("--");
  return end === -1 ? args.length : end;
}
