import type { LoadedConfig } from "../config/load.ts";
import { expandPath } from "../config/paths.ts";
import type { EmberLogger } from "../log/logger.ts";
import { type BridgeOptions, LlamaBridge } from "./bridge.ts";
import { chooseModel } from "./discover.ts";
import { noModelAdvice } from "./no-model-advice.ts";
import { llamaThreads } from "./threads.ts";

/** Where the model is: not asked for yet, loading in the background, usable, or failed (with why). */
export type ModelState =
  | { kind: "none" }
  | { kind: "loading"; path?: string }
  | { kind: "ready"; bridge: LlamaBridge }
  | { kind: "failed"; error: Error };

export interface ModelLoaderOptions {
  /** Which model and how: called on every (re)load, so config changes and `/model use` take effect. */
  resolve(override: string | undefined): BridgeOptions;
  open?(options: BridgeOptions): Promise<LlamaBridge>;
  /** Called once per successful load, before anyone waiting is released (e.g. to warm the prefix). */
  onReady?(bridge: LlamaBridge): Promise<void>;
  onStateChange?(state: ModelState): void;
}

/**
 * Loads the model in the background so the prompt is usable at once. Slash commands never wait for
 * it; a question waits on `ready()`. A failed load is retried on the next `ready()`, so dropping a
 * model into `models/` after Ember started works without a restart.
 */
export class ModelLoader {
  #state: ModelState = { kind: "none" };
  #loading: Promise<LlamaBridge> | undefined;
  #override: string | undefined;
  readonly #options: ModelLoaderOptions;

  constructor(options: ModelLoaderOptions) {
    this.#options = options;
  }

  get state(): ModelState {
    return this.#state;
  }

  /** The model path chosen with `/model use`, if any. */
  get override(): string | undefined {
    return this.#override;
  }

  /** Starts loading unless a load is under way or done. Never throws; failures land in `state`. */
  start(): void {
    if (this.#state.kind === "loading" || this.#state.kind === "ready") return;
    this.#loading = this.#load();
    this.#loading.catch(() => {});
  }

  /** The loaded model, waiting for the load (starting or retrying it if needed). */
  async ready(signal?: AbortSignal): Promise<LlamaBridge> {
    if (this.#state.kind === "ready") return this.#state.bridge;
    if (this.#state.kind !== "loading") this.start();
    const loading = this.#loading!;
    if (!signal) return loading;
    signal.throwIfAborted();
    return new Promise<LlamaBridge>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      loading.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /**
   * Switches to another model (a path, or a name/folder as `llm.model` takes). The new one is
   * checked and loaded while the old one keeps serving; only then is the old one dropped, so a
   * wrong path, a file that is not a model or a truncated download leaves the working model in place.
   */
  async use(model: string): Promise<LlamaBridge> {
    await this.#loading?.catch(() => undefined);
    const bridge = await this.#open(this.#options.resolve(model));
    const previous = this.#state;
    this.#override = model;
    this.#loading = Promise.resolve(bridge);
    this.#set({ kind: "ready", bridge });
    if (previous.kind === "ready") await previous.bridge.dispose();
    return bridge;
  }

  async unload(): Promise<void> {
    const state = this.#state;
    this.#set({ kind: "none" });
    this.#loading = undefined;
    if (state.kind === "ready") await state.bridge.dispose();
  }

  async #load(): Promise<LlamaBridge> {
    this.#set({ kind: "loading" });
    try {
      const options = this.#options.resolve(this.#override);
      this.#set({ kind: "loading", path: options.modelPath });
      const bridge = await this.#open(options);
      this.#set({ kind: "ready", bridge });
      return bridge;
    } catch (error) {
      this.#set({ kind: "failed", error: error as Error });
      throw error;
    }
  }

  /** Opens a model and readies it (onReady); a failure disposes what was opened. */
  async #open(options: BridgeOptions): Promise<LlamaBridge> {
    const bridge = await (this.#options.open ?? LlamaBridge.open)(options);
    try {
      await this.#options.onReady?.(bridge);
    } catch (error) {
      await bridge.dispose();
      throw error;
    }
    return bridge;
  }

  #set(state: ModelState): void {
    this.#state = state;
    this.#options.onStateChange?.(state);
  }
}

/** What `bridgeOptionsFor` reads of the app: only this, so the llm layer (which commands reach) needs no `App`. */
interface ModelSettings {
  readonly settings: LoadedConfig;
  readonly cwd: string;
  readonly logger: EmberLogger;
}

/** How this app's config says to load a model (`override` from `/model use` wins over `llm.model`). */
export function bridgeOptionsFor(app: ModelSettings, override?: string): BridgeOptions {
  const { llm, runtime, update } = app.settings.config;
  const modelPath = chooseModel(
    { setting: override ?? llm.model, cwd: app.cwd, vaultDir: app.settings.vaultDir },
    noModelAdvice({ updateChannel: update.channel, cwd: app.cwd }),
  );
  return {
    modelPath,
    threads: llamaThreads(llm.threads),
    contextSize: llm.contextSize,
    ...(runtime.dir ? { runtimeDir: expandPath(runtime.dir, app.cwd) } : {}),
    // Into the log, not across the prompt: the operator gets Ember's one-line error instead.
    onNativeLog: (message) => app.logger.log.warn("llama.cpp", { message: message.trim() }),
  };
}
