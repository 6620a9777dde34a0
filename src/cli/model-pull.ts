import { resolve } from "node:path";
import { defineCommand } from "citty";
import { loadConfig } from "../config/load.ts";
import { UpdateError } from "../update/errors.ts";
import { pullModel } from "../update/model-pull.ts";
import { progressOnTerminal } from "../update/progress.ts";

export default defineCommand({
  meta: {
    name: "pull",
    description: "Download a model from the release channel (or a URL), verified and resumable",
  },
  args: {
    source: {
      type: "positional",
      required: true,
      description: "A model name from the channel, or an http(s) URL",
    },
    sha256: { type: "string", description: "Checksum of the file at URL (required with a URL)" },
    size: { type: "string", description: "Size in bytes of the file at URL (default: what the server says)" },
    dir: { type: "string", default: "./models", description: "Folder to save the model in" },
    channel: { type: "string", description: "Channel URL or folder (default: config update.channel)" },
  },
  async run({ args }) {
    try {
      const size = args.size === undefined ? undefined : Number(args.size);
      if (size !== undefined && (!Number.isInteger(size) || size <= 0)) {
        throw new UpdateError(`--size ${args.size}: expected a number of bytes`);
      }
      const { config, vaultDir } = loadConfig();
      const { update } = config;
      await pullModel({
        source: args.source,
        dir: resolve(args.dir),
        sha256: args.sha256,
        size,
        channel: args.channel ?? update.channel,
        publicKeys: update.publicKeys,
        vaultDir,
        say: (line) => console.log(line),
        progress: (label) => progressOnTerminal(label),
      });
    } catch (error) {
      if (!(error instanceof UpdateError)) throw error;
      process.stderr.write(`ember model pull: ${error.message}\n`);
      process.exitCode = 1;
    }
  },
});
