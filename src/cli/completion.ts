import { type ArgsDef, type CommandDef, defineCommand } from "citty";
import { bashCompletion, COMPLETION_SHELLS, completionTree, zshCompletion } from "./completion-script.ts";
import { CliUsageError } from "./usage-error.ts";

/** `ember completion bash|zsh`: prints the script that makes TAB complete ember's command line. */
export function completionCommand(root: CommandDef): CommandDef {
  return defineCommand<ArgsDef>({
    meta: {
      name: "completion",
      description: 'print a shell completion script: eval "$(ember completion bash)" (or zsh)',
    },
    args: { shell: { type: "positional", required: true, description: "bash or zsh" } },
    async run({ args }) {
      const shell = String(args.shell);
      if (!COMPLETION_SHELLS.includes(shell))
        throw new CliUsageError(`no completion for ${shell}: bash or zsh`);
      const nodes = await completionTree(root);
      process.stdout.write(shell === "zsh" ? zshCompletion(nodes) : bashCompletion(nodes));
    },
  });
}
