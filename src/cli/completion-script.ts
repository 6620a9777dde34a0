import type { ArgsDef, CommandDef } from "citty";
import { resolveValue } from "./command-line.ts";

/** One command of the tree, as completion sees it. */
export interface CompletionNode {
  /** "" for ember itself, "/model/pull" for `ember model pull`. */
  path: string;
  /** Subcommand names, then options. */
  words: string[];
  /** Options whose next word is a value (completed as a file name). */
  valueOptions: string[];
  /** Its words are model names (`ember model pull NAME`). */
  modelNames: boolean;
}

/** Commands whose own word is a model name, completed from `ember model --names`. */
const TAKES_MODEL_NAME = new Set(["/model/pull"]);

export const COMPLETION_SHELLS = ["bash", "zsh"];
/** Commands whose own word is one of a fixed few. */
const TAKES_ONE_OF: Record<string, readonly string[]> = { "/completion": COMPLETION_SHELLS };

/** Walks the command tree: every command's subcommands and options. */
export async function completionTree(root: CommandDef): Promise<CompletionNode[]> {
  const nodes: CompletionNode[] = [];
  const visit = async (command: CommandDef, path: string): Promise<void> => {
    const subCommands = await resolveValue(command.subCommands ?? {});
    const names = Object.keys(subCommands);
    const defs = await resolveValue(command.args ?? {});
    // Plain `ember --keep-going` is `ember repl --keep-going`: the default's options are ember's too.
    const fallback = command.default === undefined ? undefined : await resolveValue(command.default);
    const fallbackCommand = fallback === undefined ? undefined : subCommands[fallback];
    const fallbackDefs = fallbackCommand
      ? await resolveValue((await resolveValue(fallbackCommand)).args ?? {})
      : {};
    const options = [...optionWords(defs), ...optionWords(fallbackDefs)];
    nodes.push({
      path,
      words: [
        ...names,
        ...(TAKES_ONE_OF[path] ?? []),
        ...options.map((o) => o.word),
        "--help",
        ...(path === "" ? ["--version"] : []),
      ],
      valueOptions: options.filter((o) => o.takesValue).map((o) => o.word),
      modelNames: TAKES_MODEL_NAME.has(path),
    });
    for (const name of names) await visit(await resolveValue(subCommands[name]!), `${path}/${name}`);
  };
  await visit(root, "");
  // `ember help CMD`: the words after help are ember's commands.
  const help = nodes.find((node) => node.path === "/help");
  if (help) help.words = [...nodes[0]!.words.filter((w) => !w.startsWith("-") && w !== "help"), "--help"];
  return nodes;
}

function optionWords(defs: ArgsDef): { word: string; takesValue: boolean }[] {
  const out: { word: string; takesValue: boolean }[] = [];
  for (const [name, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    const takesValue = def.type === "string" || def.type === "enum";
    const aliases = "alias" in def && def.alias !== undefined ? [def.alias].flat() : [];
    for (const alias of aliases)
      out.push({ word: alias.length === 1 ? `-${alias}` : `--${alias}`, takesValue });
    out.push({ word: `--${name}`, takesValue });
  }
  return out;
}

/**
 * A bash completion function for the tree. It finds the command from the words typed so far,
 * offers that command's subcommands and options, file names after an option that takes a value,
 * and model names where a command takes one (asking the same ember for them). No variable is
 * named `path` or `words`: zsh, running this through bashcompinit, reserves both.
 */
export function bashCompletion(nodes: readonly CompletionNode[]): string {
  const paths = nodes.filter((n) => n.path !== "").map((n) => n.path);
  const valueCases = nodes
    .filter((n) => n.valueOptions.length > 0)
    .map((n) => `    ${n.valueOptions.map((o) => `"${n.path}:${o}"`).join("|")}) return 0 ;;`);
  const wordCases = nodes.map((n) => {
    const models = n.modelNames ? ` $("\${COMP_WORDS[0]}" model --names 2>/dev/null)` : "";
    return `    "${n.path}") offer="${n.words.join(" ")}${models}" ;;`;
  });
  return `# bash completion for ember: eval "$(ember completion bash)" (in ~/.bashrc, for instance)
_ember() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]}
  local at="" word offer i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case "$at/$word" in
    ${paths.map((p) => `"${p}"`).join("|")}) at="$at/$word" ;;
    esac
  done
  COMPREPLY=()
  # After an option that takes a value: nothing offered here, so the shell completes file names.
  case "$at:$prev" in
${valueCases.join("\n")}
  esac
  case "$at" in
${wordCases.join("\n")}
  esac
  COMPREPLY=($(compgen -W "$offer" -- "$cur"))
}
complete -o default -F _ember ember
`;
}

/** zsh runs the same function through its bash completion layer. */
export function zshCompletion(nodes: readonly CompletionNode[]): string {
  return `# zsh completion for ember: eval "$(ember completion zsh)" (in ~/.zshrc, after compinit)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(nodes).split("\n").slice(1).join("\n")}`;
}
