import type { App } from "../app.ts";
import type { CommandOutput } from "../commands/types.ts";
import type { EngineApi } from "../engine/api.ts";
import { EngineLostError } from "../engine/errors.ts";
import { LlmError } from "../llm/errors.ts";
import { renderAnswerSources } from "../repl/answer-sources.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import { sanitizeTurnEvents } from "../terminal/sanitize-turn-events.ts";
import type { Style } from "../terminal/style.ts";
import { startSpinner } from "./spinner.ts";

export interface AskHandlerOptions {
  app: App;
  /** The model's owner: in this process, or the node's engine behind its socket. */
  engine: EngineApi;
  /** This REPL's conversation in the engine now (`/new` starts another). */
  conversation: () => string;
  out: CommandOutput;
  style: Style;
  /** A terminal: the spinner animates in place. */
  interactive: boolean;
}

/**
 * What the REPL calls for plain language: waits for the model behind a spinner, shows the commands
 * the plan runs and their output, then streams the answer. Ctrl-C stops at once and marks the
 * partial answer; a timeout or a model problem is one line, and the REPL goes on. Resolves to
 * whether the question was answered in full.
 */
export function createAskHandler(
  options: AskHandlerOptions,
): (question: string, signal: AbortSignal) => Promise<boolean> {
  const { app, engine, out, style, interactive } = options;

  return async (question, signal) => {
    const spinner = startSpinner(out, style, "thinking", interactive);
    let answering = false;
    try {
      const result = await engine.ask(options.conversation(), question, {
        signal,
        // Model and command text is shown, never obeyed (src/terminal/sanitize.ts).
        events: sanitizeTurnEvents({
          onQueued(position) {
            spinner.update(`waiting: ${ordinal(position)} in line for the model`);
          },
          onLoading() {
            spinner.update("loading the model");
          },
          onStarted() {
            spinner.update("thinking");
          },
          onCommandStart(line) {
            spinner.stop();
            out.line(style.cyan(`→ ${line}`));
          },
          onCommandOutput(text) {
            out.write(style.dim(text));
          },
          onAnswerText(text) {
            if (!answering) {
              spinner.stop();
              answering = true;
            }
            out.write(text);
          },
        }),
      });
      spinner.stop();
      if (result.stopped === "interrupted" || result.stopped === "terminated")
        out.line(style.yellow(`${answering ? " " : ""}[${result.stopped}]`));
      else if (result.stopped === "timeout") {
        if (answering) out.line(style.yellow(" [timed out]"));
        out.line(
          style.yellow(
            `the model did not finish within ${app.settings.config.llm.timeoutSeconds} s (llm.timeoutSeconds, LLAMA_CPP_TIMEOUT); the turn was stopped`,
          ),
        );
      } else {
        out.line();
        for (const line of renderAnswerSources(result.grounding, style)) out.line(line);
      }
      // Why the engine stopped the turn, when it did (it was told to stop).
      if (result.notice) out.line(style.yellow(sanitizeLine(result.notice)));
      if (result.transcriptProblem) out.line(style.yellow(result.transcriptProblem));
      return result.stopped === undefined;
    } catch (error) {
      spinner.stop();
      if (signal.aborted) {
        out.line(style.yellow(`${answering ? " " : ""}[interrupted]`));
        return false;
      }
      if (error instanceof EngineLostError) {
        out.line(style.yellow(`${answering ? " " : ""}[engine lost]`));
        out.line(style.yellow(`${error.message}; the engine restarted, ask again`));
        return false;
      }
      if (error instanceof LlmError) {
        out.line(style.red(sanitizeLine(error.message)));
        app.logger.log.warn("question failed", { error: error.message });
        return false;
      }
      throw error;
    }
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}
