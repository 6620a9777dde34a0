import { basename } from "node:path";
import type { Config } from "../config/schema.ts";
import { discoverModels } from "../llm/discover.ts";
import type { NativeRuntimeInfo } from "../llm/native.ts";
import { noModelAdvice, noModelMessage } from "../llm/no-model-advice.ts";
import { loginShell } from "../os/login-shell.ts";
import { EMBER_VERSION } from "../update/version.ts";
import type { Agent, AgentOutcome } from "./types.ts";

export interface ModelCheck {
  /** The model Ember would load, if any. */
  path?: string;
  /** How many models were found in all the places searched. */
  found: number;
  /** Where Ember looked, in order. */
  searched: string[];
}

export interface AddonInfo {
  buildType: string;
  llamaCpp: string;
  gpu: string | false;
  cpuMathCores: number;
  /** Source checkout or compiled binary (with its unpacked runtime folder). */
  runtime: NativeRuntimeInfo;
}

export interface ToolchainAgentOptions {
  /** Default `tmux` on PATH. */
  tmux?: string;
  /** Where `./models` is looked for. Default: the working directory. */
  cwd?: string;
  /** Replaces /usr/share/ember/models and the other system folders (tests). */
  systemModelFolders?: readonly string[];
  loadAddon?: (config: Config) => Promise<AddonInfo>;
  /** The environment whose $SHELL is checked. Default: this process's. */
  env?: Record<string, string | undefined>;
}

/** Whether a model is there to load, by the same rule the LLM bridge uses; reads folders only. */
export function checkModel(
  config: Config,
  vaultDir: string,
  cwd: string,
  systemFolders?: readonly string[],
): ModelCheck {
  const discovery = discoverModels({ setting: config.llm.model, cwd, vaultDir, systemFolders });
  return {
    ...(discovery.chosen ? { path: discovery.chosen.path } : {}),
    found: discovery.models.length,
    searched: discovery.searched,
  };
}

/** Loads the llama addon (the process's one `Llama`, which the LLM bridge uses too) and says what it is. */
export async function loadLlamaAddon(config: Config): Promise<AddonInfo> {
  // Imported here: node-llama-cpp is ~38 MiB resident, for the processes that load a model only.
  const { loadLlama, nativeRuntimeInfo } = await import("../llm/native.ts");
  const llama = await loadLlama({ runtimeDir: config.runtime.dir || undefined });
  return {
    buildType: llama.buildType,
    llamaCpp: `${llama.llamaCppRelease.repo}@${llama.llamaCppRelease.release}`,
    gpu: llama.gpu,
    cpuMathCores: llama.cpuMathCores,
    runtime: nativeRuntimeInfo(),
  };
}

export async function tmuxVersion(tmux: string, signal?: AbortSignal): Promise<string> {
  const proc = Bun.spawn([tmux, "-V"], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const kill = () => proc.kill();
  signal?.addEventListener("abort", kill, { once: true });
  try {
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) throw new Error(`${tmux} -V exited with code ${code}: ${err.trim()}`);
    return out.trim().replace(/^tmux\s+/, "");
  } finally {
    signal?.removeEventListener("abort", kill);
  }
}

/** $SHELL, else the account's shell from the password database; it must be an executable file. */
export function createToolchainAgent(options: ToolchainAgentOptions = {}): Agent {
  const tmux = options.tmux ?? "tmux";
  const cwd = options.cwd ?? process.cwd();
  const loadAddon = options.loadAddon ?? loadLlamaAddon;
  return {
    name: "toolchain",
    summary: "tmux, shell, runtime versions, model and llama addon",
    triggers: ["boot", "demand"],
    requiresReady: false,
    async run(ctx): Promise<AgentOutcome> {
      const problems: string[] = [];
      const parts: string[] = [];

      // A client attached to the engine loads no model: the addon is the engine's to check.
      const [tmuxResult, addonResult] = await Promise.allSettled([
        tmuxVersion(tmux, ctx.signal),
        ctx.modelInProcess ? loadAddon(ctx.config) : undefined,
      ]);
      const tmuxDetails =
        tmuxResult.status === "fulfilled"
          ? { found: true, version: tmuxResult.value }
          : { found: false, error: messageOf(tmuxResult.reason) };
      if (tmuxResult.status === "fulfilled") parts.push(`tmux ${tmuxResult.value}`);
      else problems.push(`tmux not usable (${tmuxDetails.error})`);

      const shell = loginShell(options.env);
      if (shell.usable) parts.push(basename(shell.path));
      else problems.push(`no login shell (${shell.from}: ${shell.path || "unset"})`);

      parts.push(`bun ${Bun.version}`, `ember ${EMBER_VERSION}`);

      const model = checkModel(ctx.config, ctx.vaultDir, cwd, options.systemModelFolders);
      if (model.path) parts.push(`model ${basename(model.path)}`);
      else {
        const advice = noModelAdvice({ updateChannel: ctx.config.update.channel, cwd });
        problems.push(noModelMessage(model.searched, advice, ctx.config.llm.model.trim() || undefined));
      }

      const addonDetails =
        addonResult.status === "rejected"
          ? { loadable: false, error: messageOf(addonResult.reason) }
          : addonResult.value
            ? { loadable: true, ...addonResult.value }
            : { inEngine: true };
      if (addonResult.status === "rejected")
        problems.push(`llama addon not loadable (${messageOf(addonResult.reason)})`);
      else parts.push(addonResult.value ? `llama ${addonResult.value.buildType}` : "llama in the engine");

      const details = {
        tmux: tmuxDetails,
        shell,
        bun: Bun.version,
        ember: EMBER_VERSION,
        model,
        addon: addonDetails,
      };
      if (problems.length > 0) return { status: "degraded", summary: problems.join("; "), details };
      return { status: "ok", summary: parts.join(", "), details };
    },
  };
}

export const toolchainAgent: Agent = createToolchainAgent();

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
