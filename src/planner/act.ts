import type { App } from "../app.ts";
import type { CommandCall } from "../commands/registry.ts";
import type { CommandOutput } from "../commands/types.ts";
import { createStyle } from "../terminal/style.ts";
import type { PlannedCommand } from "./plan-schema.ts";

/**
 * The act step of a turn: each planned command is run as the planner, as a structured call that
 * reaches the registry as given (never joined into a line and parsed again), its output captured
 * and capped for the model while the operator sees all of it.
 */

export interface CommandRecord {
  name: string;
  args: string[];
  output: string;
  ms: number;
  ok: boolean;
  refused?: string;
  error?: string;
}

export interface ActEvents {
  /** The call as the operator would type it, for display. */
  onCommandStart?(line: string): void;
  onCommandOutput?(text: string): void;
  onCommandDone?(record: CommandRecord): void;
}

const PLAIN = createStyle(false);

/** `/name args` for display: an argument with spaces (or none at all) is quoted so it reads as one. */
export function displayCall(call: CommandCall): string {
  const args = call.args.map((a) => (a === "" || /\s|"/.test(a) ? JSON.stringify(a) : a));
  return `/${[call.name, ...args].join(" ")}`;
}

export async function act(
  app: App,
  commands: readonly PlannedCommand[],
  options: { capChars: number; events: ActEvents; signal: AbortSignal },
): Promise<CommandRecord[]> {
  const records: CommandRecord[] = [];
  for (const planned of commands) {
    options.signal.throwIfAborted();
    records.push(await runOne(app, planned, options));
  }
  return records;
}

async function runOne(
  app: App,
  planned: PlannedCommand,
  { capChars, events, signal }: { capChars: number; events: ActEvents; signal: AbortSignal },
): Promise<CommandRecord> {
  events.onCommandStart?.(displayCall(planned));
  let output = "";
  let cut = false;
  const take = (text: string) => {
    events.onCommandOutput?.(text);
    if (cut) return;
    output += text;
    if (output.length > capChars) {
      output = `${output.slice(0, capChars)}\n[… output cut at ${capChars} characters]`;
      cut = true;
    }
  };
  const out: CommandOutput = { line: (text = "") => take(`${text}\n`), write: take };
  const run = await app.commands.invoke(planned, { host: app, source: "planner", out, style: PLAIN, signal });
  const record: CommandRecord = {
    name: planned.name,
    args: planned.args,
    output: output.trimEnd(),
    ms: run.ms,
    ok: run.ok,
    ...(run.refused ? { refused: run.refused } : {}),
    ...(run.error ? { error: run.error } : {}),
  };
  events.onCommandDone?.(record);
  return record;
}

/** The command outputs as the responder template's {tool_outputs} shows them to the model. */
export function renderToolOutputs(commands: readonly CommandRecord[]): string {
  return commands
    .map((c) => {
      const line = displayCall(c);
      if (c.refused) return `${line}\n(refused: ${c.refused})`;
      return `${line}\n${c.output === "" ? "(no output)" : c.output}`;
    })
    .join("\n\n");
}
