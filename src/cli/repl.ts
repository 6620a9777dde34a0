import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { newConversationCommand } from "../commands/new.ts";
import { engineWanted } from "../engine/auto-start.ts";
import { openEngine } from "../engine/open.ts";
import { hudFactsFromEngine } from "../hud/engine-facts.ts";
import { startHudPublisher } from "../hud/publisher.ts";
import { guardTermination } from "../os/termination.ts";
import { createAskHandler } from "../planner/ask-handler.ts";
import { runRepl } from "../repl/loop.ts";
import { streamOutput } from "../repl/terminal-output.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";

export default defineCommand({
  meta: { name: "repl", description: "the interactive console (the default when no command is given)" },
  args: {
    "keep-going": {
      type: "boolean",
      description: "with piped input: run every line even after one fails, and exit 0",
    },
  },
  async run({ args }) {
    // A client of the node's engine leaves the model, and the llama addon, to the engine.
    const { app, agentsDone } = bootEmber({ modelInProcess: !engineWanted(process.env) });
    const io = { input: process.stdin, output: process.stdout, env: process.env };
    const out = streamOutput(io.output);
    const style = createStyle(colorWanted(io.output, io.env));
    // Inside tmux ($TMUX) this REPL pushes the status-line HUD; elsewhere the publisher does nothing.
    const hud = startHudPublisher({ app, booted: agentsDone });
    // The node's engine owns the model; this REPL is one of its clients (or, with --no-engine, its host).
    const engine = await openEngine(app, agentsDone, (line) => out.line(style.yellow(line)));
    const unwatch = engine.watch((status) => hud.update(hudFactsFromEngine(status)));
    let conversation = await engine.newConversation();
    app.commands.register(
      newConversationCommand(async () => {
        conversation = await engine.newConversation();
        return conversation;
      }),
    );
    const interactive = io.input.isTTY === true && io.output.isTTY === true && io.env.TERM !== "dumb";
    const termination = guardTermination({
      beforeExit: (code, signal) => app.logger.log.info("exit", { code, signal }),
    });
    const replCode = await runRepl(app, io, {
      booted: agentsDone,
      keepGoing: args["keep-going"] === true,
      termination,
      ask: createAskHandler({ app, engine, conversation: () => conversation, out, style, interactive }),
      prefill: {
        prefill: (text) => engine.prefill(conversation, text),
        dropSpeculative: () => engine.dropSpeculative(conversation),
      },
      inEngine: (line, signal) =>
        engine.runCommand(line, { conversation, color: style.enabled, signal, out }).then((r) => r.ok),
    });
    termination.dispose();
    // SIGTERM/SIGHUP: the turn has recorded itself; exit as the signal says, whoever gets here first.
    const code = termination.exitCode ?? replCode;
    unwatch();
    await hud.stop();
    await engine.close();
    app.logger.log.info("exit", { code });
    // Writes to a pipe complete asynchronously: exiting before they drain would cut the output short.
    await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
    process.exit(code);
  },
});
