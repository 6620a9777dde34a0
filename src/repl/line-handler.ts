import type { App } from "../app.ts";
import { parseCommandLine } from "../commands/parse.ts";
import type { CommandOutput } from "../commands/types.ts";
import { QuitRequest } from "../commands/types.ts";
import type { TerminationGuard } from "../os/termination.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import type { Style } from "../terminal/style.ts";
import { InterruptedError, watchInterrupt } from "./interrupt.ts";
import type { SpeculativePrefill } from "./prefill-while-typing.ts";

/**
 * What the REPL does with one line of input, whichever way it was read. "failed": the line was
 * run and did not succeed (an unknown or refused command, an error, a question with no answer),
 * which ends a piped session unless --keep-going.
 */
export type LineOutcome = "continue" | "failed" | "quit";

const LEAVE_WORDS = new Set(["quit", "exit", ":q"]);

export interface LineHandlerOptions {
  app: App;
  out: CommandOutput;
  style: Style;
  /** Resolves once boot agents have reported, so the first /status is complete. */
  booted: Promise<unknown>;
  /** Answers plain language; resolves to whether an answer was given. */
  ask: (question: string, signal: AbortSignal) => Promise<boolean>;
  /** Runs a command that belongs to the engine (`runsInEngine`, such as /model) there; resolves to whether it succeeded. */
  inEngine?: (line: string, signal: AbortSignal) => Promise<boolean>;
  /** Whether Ctrl-C should be watched on the terminal while a job runs. */
  interactive: boolean;
  /** Prepared while the line was typed: dropped before anything but a question runs. */
  prefill?: SpeculativePrefill;
  /** SIGTERM/SIGHUP stop the job in flight so it records itself before the process exits. */
  termination?: TerminationGuard;
}

export function createLineHandler(options: LineHandlerOptions): (line: string) => Promise<LineOutcome> {
  const { app, out, style } = options;
  return async (raw) => {
    const line = raw.trim();
    const leaving = LEAVE_WORDS.has(line.toLowerCase());
    // A question keeps what matches it (the ask settles that); anything else has no use for it.
    if (line === "" || leaving || line.startsWith("/")) await options.prefill?.dropSpeculative();
    if (line === "") return "continue";
    if (leaving) return "quit";
    app.history.add(line);
    const controller = new AbortController();
    const dispose = options.interactive ? watchInterrupt(controller) : () => {};
    const job = async () => {
      await options.booted;
      const name = line.startsWith("/") ? parseCommandLine(line)?.name : undefined;
      return name !== undefined && options.inEngine && app.commands.get(name)?.runsInEngine
        ? await options.inEngine(line, controller.signal)
        : line.startsWith("/")
          ? (
              await app.commands.run(line, {
                host: app,
                source: "operator",
                out,
                style,
                signal: controller.signal,
              })
            ).ok
          : await options.ask(line, controller.signal);
    };
    try {
      const ok = await (options.termination ? options.termination.run(controller, job) : job());
      return ok ? "continue" : "failed";
    } catch (error) {
      if (error instanceof QuitRequest) return "quit";
      if (controller.signal.reason instanceof InterruptedError) out.line(style.yellow("interrupted"));
      else out.line(style.red(`error: ${sanitizeLine((error as Error).message)}`));
      app.logger.log.error("line failed", { error });
      return "failed";
    } finally {
      dispose();
    }
  };
}
