import { sanitizeLine } from "../terminal/sanitize.ts";
import type { Style } from "../terminal/style.ts";
import { closestMatch } from "../text/closest-match.ts";
import type { CommandHost } from "./host.ts";
import { type ParsedCommandLine, parseCommandLine } from "./parse.ts";
import {
  type CommandOutput,
  type CommandSource,
  type EngineControls,
  QuitRequest,
  type SlashCommand,
  UsageError,
} from "./types.ts";

export class DuplicateCommandError extends Error {
  constructor(name: string) {
    super(`slash command /${name} is defined twice`);
    this.name = "DuplicateCommandError";
  }
}

export interface CommandRunResult {
  name: string;
  ok: boolean;
  /** Why the command was not run at all (unknown, not planner-allowed, config not ready). */
  refused?: string;
  error?: string;
  ms: number;
}

export interface RunOptions {
  host: CommandHost;
  engine?: EngineControls;
  source: CommandSource;
  out: CommandOutput;
  style: Style;
  signal?: AbortSignal;
}

/** A command called as data: what the planner's plan names. */
export interface CommandCall {
  name: string;
  args: readonly string[];
}

export interface Completion {
  replaceFrom: number;
  candidates: string[];
}

/** The slash commands: lookup by name or alias, completion, and running with the rules applied. */
export class CommandRegistry {
  private readonly commands = new Map<string, SlashCommand>();
  private readonly aliases = new Map<string, string>();
  private readonly fromPlugins = new Set<string>();

  register(command: SlashCommand, origin: "builtin" | "plugin" = "builtin"): void {
    for (const key of [command.name, ...(command.aliases ?? [])]) {
      if (this.commands.has(key) || this.aliases.has(key)) throw new DuplicateCommandError(key);
    }
    this.commands.set(command.name, command);
    for (const alias of command.aliases ?? []) this.aliases.set(alias, command.name);
    if (origin === "plugin") this.fromPlugins.add(command.name);
  }

  /** Forgets every plugin command, so a new plugin scan can register the current set. */
  removePluginCommands(): void {
    for (const name of this.fromPlugins) {
      for (const alias of this.commands.get(name)?.aliases ?? []) this.aliases.delete(alias);
      this.commands.delete(name);
    }
    this.fromPlugins.clear();
  }

  get(nameOrAlias: string): SlashCommand | undefined {
    return this.commands.get(nameOrAlias) ?? this.commands.get(this.aliases.get(nameOrAlias) ?? "");
  }

  list(): SlashCommand[] {
    return [...this.commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  plannerAllowed(): SlashCommand[] {
    return this.list().filter((c) => c.plannerAllowed);
  }

  /** Completes a command name after `/`, then defers to the command's own argument completer. */
  complete(line: string, cursor: number, host: CommandHost): Completion {
    const before = line.slice(0, cursor);
    if (!before.startsWith("/")) return { replaceFrom: cursor, candidates: [] };
    const firstSpace = before.search(/\s/);
    if (firstSpace < 0) {
      const typed = before.slice(1).toLowerCase();
      const candidates = this.list()
        .map((c) => c.name)
        .filter((n) => n.startsWith(typed))
        .map((n) => `/${n}`);
      return { replaceFrom: 0, candidates };
    }
    const command = this.get(before.slice(1, firstSpace).toLowerCase());
    const words = before.slice(firstSpace).split(/\s+/).filter(Boolean);
    const partial = /\s$/.test(before) ? "" : (words.pop() ?? "");
    const candidates = command?.complete?.(words, partial, host).filter((c) => c.startsWith(partial)) ?? [];
    return { replaceFrom: cursor - partial.length, candidates: [...candidates] };
  }

  /** Runs one `/command` line typed by someone. Errors are printed to `out` and returned, never thrown (except quit). */
  run(line: string, options: RunOptions): Promise<CommandRunResult> {
    const parsed = parseCommandLine(line);
    return this.#execute(parsed ?? { name: "", args: [], rest: "" }, parsed !== undefined, options);
  }

  /**
   * Runs one structured call, as the planner makes them: the args arrive exactly as given (never
   * joined into a line and split again, so `["disk full", "x"]` stays two arguments). Commands
   * that read free text get the args joined by spaces as `rest`.
   */
  invoke(call: CommandCall, options: RunOptions): Promise<CommandRunResult> {
    const name = call.name.toLowerCase();
    return this.#execute({ name, args: [...call.args], rest: call.args.join(" ") }, name !== "", options);
  }

  async #execute(parsed: ParsedCommandLine, known: boolean, options: RunOptions): Promise<CommandRunResult> {
    const { host, source, out, style } = options;
    const started = performance.now();
    const { name } = parsed;
    const finish = (result: Omit<CommandRunResult, "ms" | "name">): CommandRunResult => {
      const done = { name, ...result, ms: Math.round(performance.now() - started) };
      // Both can echo what was typed or piped in, or a plugin's or a file's words: shown, never obeyed.
      if (done.refused) out.line(style.yellow(sanitizeLine(done.refused)));
      else if (done.error) out.line(style.red(sanitizeLine(done.error)));
      host.logger.log.info("command", {
        command: name,
        source,
        ok: done.ok,
        ms: done.ms,
        refused: done.refused,
      });
      return done;
    };

    const command = known ? this.get(name) : undefined;
    if (!command) {
      const hint = closestMatch(
        name,
        this.list().map((c) => c.name),
      );
      const shown = name ? `/${name}` : "/";
      return finish({
        ok: false,
        refused: `unknown command ${shown}${hint ? ` — did you mean /${hint}?` : " — try /help"}`,
      });
    }
    if (source === "planner" && !command.plannerAllowed) {
      return finish({
        ok: false,
        refused: `/${command.name} is not allowed for the planner (it changes things)`,
      });
    }
    if (command.requiresReady && !host.settings.valid) {
      return finish({
        ok: false,
        refused: `/${command.name} needs a valid config — see /status for what is wrong`,
      });
    }
    try {
      await command.run(parsed.args, {
        host,
        ...(options.engine ? { engine: options.engine } : {}),
        source,
        out,
        style,
        signal: options.signal ?? new AbortController().signal,
        rest: parsed.rest,
      });
      return finish({ ok: true });
    } catch (error) {
      if (error instanceof QuitRequest) throw error;
      if (error instanceof UsageError)
        return finish({ ok: false, error: `${error.message} (usage: ${command.usage})` });
      return finish({ ok: false, error: `/${command.name} failed: ${(error as Error).message}` });
    }
  }
}
