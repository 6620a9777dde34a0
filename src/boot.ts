import { type App, type CreateAppOptions, createApp } from "./app.ts";
import { BUILTIN_COMMANDS } from "./commands/builtin.ts";
import { markHealthyStart } from "./update/start-marker.ts";

export interface Booted {
  app: App;
  /** Settles when the boot agents have reported (never rejects: agents cannot fail the boot). */
  agentsDone: Promise<void>;
}

/** Builds the app, registers the commands and starts the boot agents without waiting for them. */
export function bootEmber(options: CreateAppOptions = {}): Booted {
  const app = createApp(options);
  for (const command of BUILTIN_COMMANDS) app.commands.register(command);
  app.logger.log.info("start", { version: app.version, pid: process.pid, configValid: app.settings.valid });
  const agentsDone = app.agents.run("boot").then(() => {
    // Config loaded, agents reported: this binary starts cleanly, so an upgrade's marker can go.
    markHealthyStart();
  });
  return { app, agentsDone };
}
