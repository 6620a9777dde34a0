import type { App } from "../app.ts";
import type { EngineApi } from "./api.ts";
import { AttachedEngine } from "./attached.ts";
import { engineWanted, startEngine } from "./auto-start.ts";

/**
 * The engine a REPL or `ember ask` works with: the node's (found, or started detached), or, with
 * `--no-engine` / EMBER_ENGINE=off or when none can be started, one in this process. `say` gets
 * the one line that explains a fallback and the restart notices.
 */
export async function openEngine(
  app: App,
  booted: Promise<unknown>,
  say: (line: string) => void,
): Promise<EngineApi> {
  const { vaultDir } = app.settings;
  if (engineWanted(app.env)) {
    try {
      const client = await startEngine(vaultDir, app.env);
      app.logger.log.info("engine attached", { socket: client.socket });
      return new AttachedEngine(client, {
        vaultDir,
        restart: () => startEngine(vaultDir, app.env),
        notice: say,
      });
    } catch (error) {
      say(`cannot start the engine (${(error as Error).message}); running in-process`);
      app.logger.log.warn("engine unavailable", { error: (error as Error).message });
    }
  }
  // Imported here, not at the top: the in-process engine brings node-llama-cpp (~38 MiB of
  // JavaScript resident), which a client attached to the node's engine never uses.
  const { Engine } = await import("./engine.ts");
  let ready = booted;
  if (!app.modelInProcess) {
    // The boot agents took this process for a client and left the llama addon to the engine: it is
    // this process's now, so the toolchain agent checks it again before the first turn.
    app.modelInProcess = true;
    ready = booted.then(() => app.agents.run("toolchain"));
  }
  const engine = new Engine(app, { booted: ready });
  engine.start();
  return engine;
}
