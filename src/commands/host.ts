import type { AgentBoard } from "../agents/board.ts";
import type { LoadedConfig } from "../config/load.ts";
import type { EmberLogger } from "../log/logger.ts";
import type { InputHistory } from "../repl/history.ts";
import type { CommandRegistry } from "./registry.ts";

/**
 * What a command may reach of the running Ember. `App` extends it, and no command imports the
 * app module: the app builds the registry and the agent board, so the types depend one way only.
 */
export interface CommandHost {
  readonly version: string;
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
  /** Replaced by `reloadConfig`: read it again after a reload, never keep it. */
  readonly settings: LoadedConfig;
  readonly logger: EmberLogger;
  /** The registry, for `/help`, `/man` and the plugin commands it (re)installs. */
  readonly commands: CommandRegistry;
  /** The last results, and running agents on demand (`/agents run`, `/status`). */
  readonly agents: AgentBoard;
  /** Read-only: `/history` lists it; only the line editor adds to it. */
  readonly history: Pick<InputHistory, "lines" | "problem">;
  /** Commands that could not be registered (a plugin clashing with a built-in), for `/status`. */
  commandProblems: string[];
  /** Re-reads every config layer (after `/config set`, `/plugins trust`, `/agents enable`). */
  reloadConfig(): void;
}
