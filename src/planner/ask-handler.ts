import type { App } from "../app.ts";
import type { CommandOutput } from "../commands/types.ts";
import { LlmError } from "../llm/errors.ts";
import type { ModelLoader } from "../llm/model-loader.ts";
import { PrefixCache } from "../llm/prefix-cache.ts";
import { renderAnswerSources } from "../repl/answer-sources.ts";
import type { Style } from "../terminal/style.ts";
import { ConversationMemory } from "./memory.ts";
import { PlanParseError } from "./plan-schema.ts";
import { startSpinner } from "./spinner.ts";
import { runTurn, type TurnResult } from "./turn.ts";

export interface AskHandlerOptions {
  app: App;
  loader: ModelLoader;
  out: CommandOutput;
  style: Style;
  /** A terminal: the spinner animates in place. */
  interactive: boolean;
  memory?: ConversationMemory;
  /** Told about every turn that ran (finished, interrupted or timed out), e.g. for the HUD's speed. */
  onTurn?: (result: TurnResult) => void;
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
  const { app, loader, out, style, interactive } = options;
  const memory = options.memory ?? new ConversationMemory({ vaultDir: app.settings.vaultDir });
  const prefixCache = new PrefixCache({ vaultDir: app.settings.vaultDir });

  return async (question, signal) => {
    const spinner = startSpinner(
      out,
      style,
      loader.state.kind === "ready" ? "thinking" : "loading the model",
      interactive,
    );
    let answering = false;
    try {
      const bridge = await loader.ready(signal);
      spinner.update("thinking");
      const result = await runTurn(
        { app, bridge, memory, prefixCache },
        {
          question,
          signal,
          events: {
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
          },
        },
      );
      spinner.stop();
      options.onTurn?.(result);
      if (result.stopped === "interrupted") out.line(style.yellow(`${answering ? " " : ""}[interrupted]`));
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
      if (memory.problem) out.line(style.yellow(memory.problem));
      return result.stopped === undefined;
    } catch (error) {
      spinner.stop();
      if (signal.aborted) {
        out.line(style.yellow(`${answering ? " " : ""}[interrupted]`));
        return false;
      }
      if (error instanceof LlmError || error instanceof PlanParseError) {
        out.line(style.red(error.message));
        app.logger.log.warn("question failed", { error: error.message });
        return false;
      }
      throw error;
    }
  };
}
