import type { LlamaBridge } from "../llm/bridge.ts";
import type { ModelLoader } from "../llm/model-loader.ts";
import type { Style } from "../terminal/style.ts";
import type { CommandHost } from "./host.ts";

/** Who asked for a command: the operator typing it, or the planner acting on a question. */
export type CommandSource = "operator" | "planner";

/** Where a command's output goes: the terminal, or a capture buffer when the planner runs it. */
export interface CommandOutput {
  /** Writes one or more lines (a trailing newline is added). */
  line(text?: string): void;
  /** Writes text as it comes (streamed answers); no newline added. */
  write(text: string): void;
  /** The terminal's width, for output that wraps to it; absent when not a terminal. */
  readonly columns?: number;
}

/** What the engine (the model's one owner) lets a command reach. */
export interface EngineControls {
  readonly model: ModelLoader;
  /** Switches the model once the turns queued before have finished. */
  useModel(target: string, signal?: AbortSignal): Promise<LlamaBridge>;
}

export interface CommandContext {
  host: CommandHost;
  /** The engine, for commands that run in it (`runsInEngine`); absent elsewhere. */
  engine?: EngineControls;
  source: CommandSource;
  out: CommandOutput;
  style: Style;
  /** Aborted by Ctrl-C (operator) or by the turn's timeout (planner). */
  signal: AbortSignal;
  /** The whole argument text after the command name, spacing kept (for `/search a b`). */
  rest: string;
}

export interface SlashCommand {
  name: string;
  aliases?: readonly string[];
  summary: string;
  /** One line, e.g. `/config get KEY`. */
  usage: string;
  /** False for anything with side effects: the planner may only run read-only commands. */
  plannerAllowed: boolean;
  /** Refused while the config is invalid. */
  requiresReady: boolean;
  /** Runs in the engine, beside the model it owns: a client sends the line there. */
  runsInEngine?: boolean;
  /** Candidates for the argument being typed. `args` are the complete words before it. */
  complete?(args: readonly string[], partial: string, host: CommandHost): readonly string[];
  run(args: readonly string[], ctx: CommandContext): Promise<void> | void;
}

/** A command that ends the REPL; thrown so any command (and `/quit`) can ask for it. */
export class QuitRequest extends Error {
  constructor() {
    super("quit");
    this.name = "QuitRequest";
  }
}

/** A mistake in how a command was called: shown as one line, never a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
