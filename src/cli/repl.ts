import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { hudModelFrom } from "../hud/model-state.ts";
import { startHudPublisher } from "../hud/publisher.ts";
import { turnTokensPerSecond } from "../hud/turn-speed.ts";
import { modelLoaderFor } from "../llm/model-loader.ts";
import { startPlanner } from "../planner/start.ts";
import { runRepl } from "../repl/loop.ts";

export default defineCommand({
  meta: { name: "repl", description: "the interactive console (the default when no command is given)" },
  args: {
    "keep-going": {
      type: "boolean",
      description: "with piped input: run every line even after one fails, and exit 0",
    },
  },
  async run({ args }) {
    const { app, agentsDone } = bootEmber();
    const io = { input: process.stdin, output: process.stdout, env: process.env };
    // Inside tmux ($TMUX) this REPL pushes the status-line HUD; elsewhere the publisher does nothing.
    const hud = startHudPublisher({ app, booted: agentsDone });
    // Created before startPlanner asks for it, so the app's one loader reports to the HUD.
    modelLoaderFor(app, { onStateChange: (state) => hud.update({ model: hudModelFrom(state) }) });
    const ask = startPlanner(app, io, {
      onTurn: (turn) => {
        const speed = turnTokensPerSecond(turn.timings);
        if (speed !== undefined) hud.update({ lastTurnTokensPerSecond: speed });
      },
    });
    const code = await runRepl(app, io, { booted: agentsDone, ask, keepGoing: args["keep-going"] === true });
    await hud.stop();
    app.logger.log.info("exit", { code });
    // Writes to a pipe complete asynchronously: exiting before they drain would cut the output short.
    await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
    process.exit(code);
  },
});
