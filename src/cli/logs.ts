import { createReadStream, existsSync, statSync, watch } from "node:fs";
import { defineCommand } from "citty";
import { logFile } from "../app.ts";
import { loadConfig } from "../config/load.ts";

export default defineCommand({
  meta: { name: "logs", description: "show Ember's log (the vault's logs/ember.log)" },
  args: {
    follow: {
      type: "boolean",
      alias: "f",
      description: "keep printing new lines as they come",
      default: false,
    },
  },
  async run({ args }) {
    const file = logFile(loadConfig().vaultDir);
    if (!existsSync(file) && !args.follow) {
      console.error(`no log yet at ${file}`);
      process.exitCode = 1;
      return;
    }
    let offset = 0;
    const printNew = async () => {
      const size = existsSync(file) ? statSync(file).size : 0;
      if (size < offset) offset = 0; // rotated: start the new file from its top
      if (size === offset) return;
      await new Promise<void>((done) => {
        createReadStream(file, { start: offset, end: size - 1 })
          .on("end", done)
          .pipe(process.stdout, { end: false });
      });
      offset = size;
    };
    await printNew();
    if (!args.follow) return;
    // Poll as well as watch: a rotation replaces the file, which ends a plain watch.
    const timer = setInterval(printNew, 1000);
    watch(file, { persistent: false }, () => void printNew()).on("error", () => {});
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    clearInterval(timer);
  },
});
