import type { App } from "../app.ts";
import { modelLoaderFor } from "../llm/model-loader.ts";
import { streamOutput } from "../repl/terminal-output.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";
import { updateIndex } from "../vault/index.ts";
import { type AskHandlerOptions, createAskHandler } from "./ask-handler.ts";

export interface PlannerIo {
  input: { isTTY?: boolean };
  output: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
}

/**
 * Starts what plain-language questions need, in the background so the prompt is usable at once:
 * the model load and the incremental vault index update. Returns the REPL's `ask`.
 */
export function startPlanner(
  app: App,
  io: PlannerIo,
  options: Pick<AskHandlerOptions, "onTurn"> = {},
): (question: string, signal: AbortSignal) => Promise<boolean> {
  const loader = modelLoaderFor(app);
  loader.start();
  updateIndex(app.settings.vaultDir)
    .then((result) =>
      app.logger.log.info("index updated", {
        added: result.added,
        updated: result.updated,
        removed: result.removed,
        unchanged: result.unchanged,
        ms: result.ms,
      }),
    )
    .catch((error: Error) => app.logger.log.warn("index update failed", { error: error.message }));
  const interactive = io.input.isTTY === true && io.output.isTTY === true && io.env.TERM !== "dumb";
  return createAskHandler({
    app,
    loader,
    out: streamOutput(io.output),
    style: createStyle(colorWanted(io.output, io.env)),
    interactive,
    onTurn: options.onTurn,
  });
}
