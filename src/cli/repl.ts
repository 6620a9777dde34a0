import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { runRepl } from "../repl/loop.ts";

export default defineCommand({
  meta: { name: "repl", description: "the interactive console (the default when no command is given)" },
  async run() {
    const { app, agentsDone } = bootEmber();
    const code = await runRepl(
      app,
      { input: process.stdin, output: process.stdout, env: process.env },
      { booted: agentsDone },
    );
    app.logger.log.info("exit", { code });
    process.exit(code);
  },
});
