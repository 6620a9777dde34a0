import { existsSync } from "node:fs";
import { expandPath } from "../config/paths.ts";
import { discoverModels } from "../llm/discover.ts";
import { LlmError } from "../llm/errors.ts";
import { listModels, modelTableRows } from "../llm/model-list.ts";
import { noModelAdvice, noModelMessage } from "../llm/no-model-advice.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import { formatTable } from "../terminal/table.ts";
import type { SlashCommand } from "./types.ts";
import { UsageError } from "./types.ts";

export const modelCommand: SlashCommand = {
  name: "model",
  summary: "list the models Ember can use (the active one marked), or switch with /model use",
  usage: "/model [use NAME|PATH]",
  plannerAllowed: false,
  requiresReady: false,
  runsInEngine: true,
  complete(args, _partial, host) {
    if (args.length === 0) return ["use"];
    if (args.length === 1 && args[0] === "use") {
      const { llm } = host.settings.config;
      return listNames(host.cwd, host.settings.vaultDir, llm.model);
    }
    return [];
  },
  async run(args, { host, engine, out, style, signal }) {
    if (!engine) throw new Error("the model belongs to the engine, which this process does not run");
    const loader = engine.model;
    const discover = {
      setting: loader.override ?? host.settings.config.llm.model,
      cwd: host.cwd,
      vaultDir: host.settings.vaultDir,
    };
    if (args.length === 0) {
      const state = loader.state;
      const active = state.kind === "ready" ? state.bridge.info.path : undefined;
      const { models, searched } = await listModels(discover, active);
      if (models.length === 0) {
        const advice = noModelAdvice({ updateChannel: host.settings.config.update.channel, cwd: host.cwd });
        out.line(style.yellow(noModelMessage(searched, advice)));
        return;
      }
      for (const line of formatTable(modelTableRows(models))) out.line(line);
      for (const model of models) if (model.problem) out.line(style.red(sanitizeLine(model.problem)));
      const status =
        state.kind === "ready"
          ? `* loaded, ${state.bridge.threads} threads, context ${state.bridge.contextSize}`
          : state.kind === "loading"
            ? "* loading…"
            : state.kind === "failed"
              ? `* not loaded: ${state.error.message}`
              : "* loads on the first question";
      out.line(style.dim(status));
      return;
    }
    if (args[0] !== "use" || args.length !== 2)
      throw new UsageError("expected /model or /model use NAME|PATH");
    const wanted = args[1]!;
    const asPath = expandPath(wanted, host.cwd);
    const target = existsSync(asPath) ? asPath : wanted;
    try {
      // The model in use stays loaded unless the new one loads (see ModelLoader.use).
      const bridge = await engine.useModel(target, signal);
      out.line(style.green(sanitizeLine(`using ${bridge.info.name} (${bridge.info.path})`)));
      out.line(style.dim("for this session; /config set llm.model VALUE makes it the default"));
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      out.line(style.red(sanitizeLine(error.message)));
    }
  },
};

/** Completion reads folder listings only, never model headers, so it stays instant. */
function listNames(cwd: string, vaultDir: string, setting: string): string[] {
  return discoverModels({ setting, cwd, vaultDir }).models.map((m) => m.name);
}
