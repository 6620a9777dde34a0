import { type ArgsDef, type CommandDef, defineCommand } from "citty";
import { checkCommandLine, resolveCommandLine } from "./command-line.ts";
import { reportUsageError } from "./run-cli.ts";
import { renderHelp } from "./usage.ts";

/** `ember help [COMMAND...]`: the same text as `ember COMMAND --help`. */
export function helpCommand(root: CommandDef): CommandDef {
  return defineCommand<ArgsDef>({
    meta: { name: "help", description: "show the help of ember or of one command (same as --help)" },
    args: { command: { type: "positional", required: false, description: "a command, e.g. `model pull`" } },
    async run({ args }) {
      const line = await resolveCommandLine(root, args._);
      if (line.unknown !== undefined) {
        // Name the mistake as `ember bogus` would, without running anything.
        try {
          await checkCommandLine(line);
        } catch (error) {
          await reportUsageError(line, (error as Error).message);
          return;
        }
      }
      process.stdout.write(await renderHelp(line.path, process.stdout));
    },
  });
}
