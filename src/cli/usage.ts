import { type ArgDef, renderUsage } from "citty";
import { colorWanted } from "../terminal/style.ts";
import { type CommandStep, commandLabel, resolveValue } from "./command-line.ts";

/**
 * The full help of the last command in `path` (citty's layout), named by its whole path
 * (`ember model pull`). Colour only for a terminal that wants it: citty itself colours a pipe
 * and only knows NO_COLOR=1.
 */
export async function renderHelp(path: readonly CommandStep[], stream: { isTTY?: boolean }): Promise<string> {
  const named = path.filter((step) => !step.implied);
  const command = named.at(-1)!.command;
  const parentLabel = commandLabel(named.slice(0, -1));
  const version = (await resolveValue(path[0]!.command.meta ?? {})).version;
  const parent = parentLabel ? { meta: { name: parentLabel, version } } : undefined;
  const text = await renderUsage(command, parent);
  return `${colorWanted(stream) ? text : Bun.stripANSI(text)}\n`;
}

/** One line: `usage: ember index [--json]`, for the message after a usage error. */
export async function renderSynopsis(path: readonly CommandStep[]): Promise<string> {
  // `ember --bogus` reached the default (repl) but is about `ember` itself.
  const named = path.filter((step) => !step.implied);
  const { command } = named.at(-1)!;
  const defs = Object.entries(await resolveValue(command.args ?? {}));
  const words: string[] = [commandLabel(named)];
  const subCommands = Object.keys(await resolveValue(command.subCommands ?? {}));
  if (subCommands.length > 0) {
    const choice = subCommands.join("|");
    words.push(command.run || command.default ? `[${choice}]` : `<${choice}>`);
  }
  for (const [name, def] of defs) words.push(synopsisWord(name, def));
  return `usage: ${words.join(" ")}`;
}

function synopsisWord(name: string, def: ArgDef): string {
  const upper = name.toUpperCase();
  if (def.type === "positional")
    return def.required === false || def.default !== undefined ? `[${upper}]` : `<${upper}>`;
  const value =
    def.type === "enum" ? ` ${(def.options ?? []).join("|")}` : def.type === "string" ? ` ${upper}` : "";
  const word = `--${name}${value}`;
  return def.required === true ? word : `[${word}]`;
}
