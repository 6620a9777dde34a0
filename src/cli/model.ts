import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { discoverModels } from "../llm/discover.ts";
import { listModels, modelTableRows } from "../llm/model-list.ts";
import { noModelAdvice, noModelMessage } from "../llm/no-model-advice.ts";
import { terminalJson } from "../terminal/sanitize.ts";
import { formatTable } from "../terminal/table.ts";

export default defineCommand({
  meta: {
    name: "model",
    description: "list the models Ember can use (the one it would load marked *); `pull` downloads one",
  },
  args: {
    json: { type: "boolean", default: false, description: "print the list as JSON" },
    names: {
      type: "boolean",
      default: false,
      description: "print only the names, one a line (for completion)",
    },
  },
  subCommands: {
    pull: () => import("./model-pull.ts").then((m) => m.default),
  },
  async run({ args, rawArgs }) {
    // citty runs this after a subcommand too; listing after `ember model pull` is not wanted.
    if (rawArgs[0] === "pull") return;
    const settings = loadConfig();
    if (args.names) {
      // Only the folders' listing: TAB must not wait for every model's header to be read.
      const { models } = discoverModels({
        setting: settings.config.llm.model,
        cwd: process.cwd(),
        vaultDir: settings.vaultDir,
      });
      for (const model of models) console.log(model.name);
      return;
    }
    const { models, searched } = await listModels({
      setting: settings.config.llm.model,
      cwd: process.cwd(),
      vaultDir: settings.vaultDir,
    });
    if (args.json) {
      process.stdout.write(`${terminalJson({ searched, models })}\n`);
      return;
    }
    if (models.length === 0) {
      const advice = noModelAdvice({ updateChannel: settings.config.update.channel, cwd: process.cwd() });
      console.log(noModelMessage(searched, advice));
      process.exitCode = 1;
      return;
    }
    for (const line of formatTable(modelTableRows(models))) console.log(line);
    for (const model of models) if (model.problem) console.log(model.problem);
  },
});
