import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import type { EngineTurnResult } from "../engine/api.ts";
import { engineWanted } from "../engine/auto-start.ts";
import { EngineLostError } from "../engine/errors.ts";
import { openEngine } from "../engine/open.ts";
import { LlmError } from "../llm/errors.ts";
import { guardTermination } from "../os/termination.ts";
import { InterruptedError } from "../repl/interrupt.ts";
import { sanitizeLine, terminalJson } from "../terminal/sanitize.ts";
import { sanitizeTurnEvents } from "../terminal/sanitize-turn-events.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";

/** What `ember ask --json` prints: the issue's contract, plus `stopped` when the turn did not finish. */
export function askJson(result: EngineTurnResult, session: string) {
  return {
    session,
    continued: result.continued === true,
    plan: { commands: result.plan.commands },
    commands: result.commands.map((c) => ({
      name: c.name,
      args: c.args,
      output: c.output,
      ms: c.ms,
      ...(c.refused ? { refused: c.refused } : {}),
      ...(c.error ? { error: c.error } : {}),
    })),
    response: result.response,
    answeredBy: result.answeredBy,
    ...(result.stopped ? { stopped: result.stopped } : {}),
    grounding: result.grounding,
    timings: result.timings,
  };
}

export default defineCommand({
  meta: {
    name: "ask",
    description: "answer one plain-language question (plan → run commands → answer) and exit",
  },
  args: {
    question: {
      type: "positional",
      required: true,
      description: "the question (quote it, or write it unquoted)",
    },
    json: {
      type: "boolean",
      default: false,
      description: "print the plan, commands, answer, grounding and timings as JSON",
    },
    continue: {
      type: "boolean",
      default: false,
      description: "continue the vault's last ask conversation instead of starting a new one",
    },
  },
  async run({ args }) {
    const question = args._.join(" ").trim() || String(args.question);
    // A client of the node's engine leaves the model, and the llama addon, to the engine.
    const { app, agentsDone } = bootEmber({ modelInProcess: !engineWanted(process.env) });
    const err = createStyle(colorWanted(process.stderr));
    const engine = await openEngine(app, agentsDone, (line) =>
      process.stderr.write(`${err.yellow(`ember ask: ${line}`)}\n`),
    );
    const controller = new AbortController();
    const onSigint = () => controller.abort(new InterruptedError());
    process.on("SIGINT", onSigint);
    const termination = guardTermination({
      beforeExit: (code, signal) => app.logger.log.info("exit", { code, signal }),
    });
    let code = 0;
    try {
      const conversation = await engine.newConversation({ ask: true, continueLastAsk: args.continue });
      const result = await termination.run(controller, () =>
        engine.ask(conversation, question, {
          signal: controller.signal,
          events: args.json
            ? {}
            : sanitizeTurnEvents({
                onCommandStart: (line) => process.stderr.write(`${err.cyan(`→ ${line}`)}\n`),
                onCommandOutput: (text) => process.stderr.write(err.dim(text)),
                onAnswerText: (text) => process.stdout.write(text),
              }),
        }),
      );
      if (result.notice) process.stderr.write(`ember ask: ${result.notice}\n`);
      if (args.json) process.stdout.write(`${terminalJson(askJson(result, conversation))}\n`);
      else process.stdout.write(result.stopped ? ` [${result.stopped}]\n` : "\n");
      if (result.stopped === "timeout") {
        process.stderr.write(
          `ember ask: the model did not finish within ${app.settings.config.llm.timeoutSeconds} s (llm.timeoutSeconds, LLAMA_CPP_TIMEOUT)\n`,
        );
        code = 1;
      } else if (result.stopped === "interrupted") code = 130;
      // The engine was stopped under this turn (this process's own signal sets the code below).
      else if (result.stopped === "terminated") code = 1;
    } catch (error) {
      if (controller.signal.aborted) code = 130;
      else if (error instanceof LlmError || error instanceof EngineLostError) {
        process.stderr.write(`ember ask: ${sanitizeLine(error.message)}\n`);
        code = 1;
      } else throw error;
    } finally {
      process.off("SIGINT", onSigint);
      termination.dispose();
    }
    // SIGTERM/SIGHUP: the turn has recorded itself; exit as the signal says, whoever gets here first.
    code = termination.exitCode ?? code;
    await engine.close();
    app.logger.log.info("exit", { code });
    process.exit(code);
  },
});
