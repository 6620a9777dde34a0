import { join } from "node:path";
import { createAgentBoard } from "./agents/board.ts";
import type { CommandHost } from "./commands/host.ts";
import { installPluginCommands } from "./commands/plugin-commands.ts";
import { CommandRegistry } from "./commands/registry.ts";
import { issueLines, type LoadedConfig, loadConfig } from "./config/load.ts";
import { createLogger, type EmberLogger } from "./log/logger.ts";
import { InputHistory } from "./repl/history.ts";
import { VERSION } from "./version.ts";

/**
 * Everything one Ember process knows: config, log, commands, agents, history. Commands see it
 * through the narrower `CommandHost`; what they may not touch is added here.
 */
export interface App extends CommandHost {
  /** Replaced by `reloadConfig`. */
  settings: LoadedConfig;
  logger: EmberLogger;
  /** The whole history: the line editor adds to it. */
  readonly history: InputHistory;
  /**
   * Whether this process loads the model (`ember serve`, `--no-engine`, a client's fallback), so
   * the toolchain agent checks the llama addon here; false in a client attached to the engine.
   */
  modelInProcess: boolean;
}

export interface CreateAppOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** App.modelInProcess at the start; default true. */
  modelInProcess?: boolean;
}

export function logFile(vaultDir: string): string {
  return join(vaultDir, "logs", "ember.log");
}

export function historyFile(vaultDir: string): string {
  return join(vaultDir, "state", "history");
}

export function createApp(options: CreateAppOptions = {}): App {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const settings = loadConfig({ env, cwd });
  const app: App = {
    version: VERSION,
    cwd,
    env,
    settings,
    logger: loggerFor(settings),
    commands: new CommandRegistry(),
    agents: createAgentBoard(
      () => ({
        config: app.settings.config,
        configValid: app.settings.valid,
        configIssues: issueLines(app.settings),
        configIssueCount: app.settings.issueCount,
        vaultDir: app.settings.vaultDir,
        log: app.logger.log,
        modelInProcess: app.modelInProcess,
      }),
      (ran) => {
        if (ran.has("plugin")) app.commandProblems = installPluginCommands(app);
      },
    ),
    commandProblems: [],
    history: new InputHistory(historyFile(settings.vaultDir), settings.config.repl.historySize),
    modelInProcess: options.modelInProcess ?? true,
    reloadConfig() {
      app.settings = loadConfig({ env, cwd });
      app.logger = loggerFor(app.settings);
    },
  };
  if (app.history.problem) app.logger.log.warn("history", { problem: app.history.problem });
  return app;
}

function loggerFor(settings: LoadedConfig): EmberLogger {
  const { level, maxBytes, keep } = settings.config.log;
  return createLogger({ file: logFile(settings.vaultDir), level, maxBytes, keep });
}
