import { rmSync } from "node:fs";
import { join } from "node:path";
import type { ChatHistoryItem } from "node-llama-cpp";
import type { App } from "../app.ts";
import type { EngineControls } from "../commands/types.ts";
import { hudModelFrom } from "../hud/model-state.ts";
import { turnTokensPerSecond } from "../hud/turn-speed.ts";
import type { Generation, LlamaBridge } from "../llm/bridge.ts";
import { ContextOverflowError } from "../llm/errors.ts";
import {
  bridgeOptionsFor,
  ModelLoader,
  type ModelLoaderOptions,
  type ModelState,
} from "../llm/model-loader.ts";
import { STATE_LIMITS, StateFiles } from "../llm/state-files.ts";
import { restoreAskConversation, saveAskConversation } from "../planner/ask-conversation.ts";
import { SpeculativePrefill } from "../planner/speculative-prefill.ts";
import { runTurn } from "../planner/turn.ts";
import { createStyle } from "../terminal/style.ts";
import { type UpdateResult, updateIndex } from "../vault/index.ts";
import type { AskOptions, CommandRunOptions, EngineApi, EngineTurnResult } from "./api.ts";
import { ConversationTable, contextOn, type EngineConversation } from "./conversations.ts";
import type {
  ConversationSummary,
  EngineModelState,
  EngineStatus,
  NewConversationOptions,
} from "./protocol.ts";
import { TurnQueue } from "./queue.ts";

export interface ChatOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  signal?: AbortSignal;
  onText?: (text: string) => void;
}

export interface EngineOptions {
  /** How the model is opened (tests hand in a shared llama). */
  open?: ModelLoaderOptions["open"];
  /** Settles when this process's boot agents have reported: turns wait for it (the planner's commands read them). */
  booted?: Promise<unknown>;
  /**
   * Where a conversation's context waits (its KV state) while another conversation has the
   * model's sequence: `ember serve` keeps it beside its socket. Absent: never swapped out, and a
   * conversation that finds the sequence taken evaluates its tokens again.
   */
  swap?: { folder: string; name: string };
}

/** Swapped-out contexts kept at most: past these, the least recently used are evaluated again. */
const SWAP_LIMITS = { maxFiles: 8, maxBytes: 512 * 1024 * 1024 };

/**
 * The one owner of the model on a node: its loader, the conversations, the turn queue and the
 * vault index update. `ember serve` puts it behind a socket; `--no-engine` uses it in-process.
 * Everything that needs the model gets this object passed down; nothing reaches it through module
 * state.
 */
export class Engine implements EngineApi, EngineControls {
  readonly app: App;
  readonly model: ModelLoader;
  readonly #queue: TurnQueue;
  readonly #conversations: ConversationTable;
  readonly #prefixCache: StateFiles;
  readonly #askStates: StateFiles;
  readonly #listeners = new Set<(status: EngineStatus) => void>();
  /** One sequence, so one prefill at a time: the line typed last, in whichever conversation. */
  readonly #speculation = new SpeculativePrefill();
  readonly #startedAt = new Date();
  #indexed: Promise<void> = Promise.resolve();
  readonly #booted: Promise<unknown>;
  readonly #swap: StateFiles | undefined;
  /** The conversation whose context the model's sequence holds now. */
  #resident: EngineConversation | undefined;
  #lastTurnTokensPerSecond: number | undefined;
  #clients = 0;

  constructor(app: App, options: EngineOptions = {}) {
    this.app = app;
    this.#booted = options.booted ?? Promise.resolve();
    this.model = new ModelLoader({
      resolve: (override) => bridgeOptionsFor(app, override),
      ...(options.open ? { open: options.open } : {}),
      onStateChange: (state) => {
        logModelState(app, state);
        this.#changed();
      },
    });
    this.#queue = new TurnQueue(() => this.#changed());
    this.#conversations = new ConversationTable({
      vaultDir: app.settings.vaultDir,
      max: () => app.settings.config.engine.maxConversations,
      // The sequence's conversation stays too: dropping it would free nothing the sequence holds.
      inUse: (c) => c.turnsInFlight > 0 || c.holders > 0 || c === this.#resident,
      onDrop: (c) => app.logger.log.info("conversation dropped", { id: c.id, turns: c.turns }),
    });
    const onProblem = (problem: string) => app.logger.log.warn("saved state ignored", { problem });
    this.#prefixCache = new StateFiles({
      vaultDir: app.settings.vaultDir,
      ...STATE_LIMITS.prefix,
      onProblem,
    });
    this.#askStates = new StateFiles({
      vaultDir: app.settings.vaultDir,
      ...STATE_LIMITS.conversations,
      onProblem,
    });
    if (options.swap) {
      // A previous engine's contexts belong to conversations that are gone.
      rmSync(join(options.swap.folder, options.swap.name), { recursive: true, force: true });
      this.#swap = new StateFiles({
        vaultDir: options.swap.folder,
        folder: options.swap.name,
        ...SWAP_LIMITS,
        durable: false,
        onProblem,
      });
    }
  }

  /** Starts what questions need in the background: the model load and the vault index update. */
  start(): void {
    this.model.start();
    this.#indexed = updateIndex(this.app.settings.vaultDir)
      .then((result) =>
        this.app.logger.log.info("index updated", {
          added: result.added,
          updated: result.updated,
          removed: result.removed,
          unchanged: result.unchanged,
          ms: result.ms,
        }),
      )
      .catch((error: Error) => this.app.logger.log.warn("index update failed", { error: error.message }));
  }

  /** Brings the vault index up to date after any update already running (`ember index`). */
  reindex(): Promise<UpdateResult> {
    const run = this.#indexed.then(() => updateIndex(this.app.settings.vaultDir));
    this.#indexed = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** A client connected (an event stream or a request in flight); call the result when it leaves. */
  attach(): () => void {
    this.#clients++;
    this.#changed();
    let gone = false;
    return () => {
      if (gone) return;
      gone = true;
      this.#clients--;
      this.#changed();
    };
  }

  /** Nobody connected and nothing queued: the idle clock may run. */
  get idle(): boolean {
    return this.#clients === 0 && !this.#queue.busy;
  }

  async status(): Promise<EngineStatus> {
    return this.statusNow();
  }

  statusNow(): EngineStatus {
    return {
      pid: process.pid,
      version: this.app.version,
      vault: this.app.settings.vaultDir,
      startedAt: this.#startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - this.#startedAt.getTime()) / 1000),
      model: engineModelState(this.model.state),
      clients: this.#clients,
      queue: this.#queue.state,
      ...(this.#lastTurnTokensPerSecond !== undefined
        ? { lastTurnTokensPerSecond: this.#lastTurnTokensPerSecond }
        : {}),
      conversations: this.#conversations.size,
      supervised: Boolean(this.app.env.RC_SVCNAME),
    };
  }

  async newConversation(options: NewConversationOptions = {}): Promise<string> {
    const conversation = this.#conversations.create(options);
    this.app.logger.log.info("conversation", { id: conversation.id, ...options });
    return conversation.id;
  }

  async conversations(): Promise<ConversationSummary[]> {
    return this.#conversations.list();
  }

  /** A client's open event stream keeps this conversation from being dropped; call the result when it closes. */
  hold(id: string): () => void {
    const conversation = this.#conversations.get(id);
    if (!conversation) return () => {};
    conversation.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      conversation.holders--;
    };
  }

  hasConversation(id: string): boolean {
    return this.#conversations.get(id) !== undefined;
  }

  async ask(id: string, question: string, options: AskOptions = {}): Promise<EngineTurnResult> {
    const conversation = this.#conversations.touch(id);
    if (!conversation) throw new UnknownConversationError(id);
    conversation.turnsInFlight++;
    try {
      return await this.#turn(conversation, question, options);
    } finally {
      conversation.turnsInFlight--;
    }
  }

  async #turn(
    conversation: EngineConversation,
    question: string,
    options: AskOptions,
  ): Promise<EngineTurnResult> {
    const { id } = conversation;
    const events = options.events ?? {};
    let notice: string | undefined;
    // The first turns wait for the boot agents and the index update, so the planner's commands and
    // the grounding see the node and the vault as they are now.
    await Promise.all([this.#booted, this.#indexed]);
    const result = await this.#exclusive(
      id,
      options.signal,
      async () => {
        if (this.model.state.kind !== "ready") events.onLoading?.();
        const bridge = await this.model.ready(options.signal);
        // When the turn really begins: `make bench` times a client's start overhead up to here.
        this.app.logger.log.info("turn start", { conversation: id });
        events.onStarted?.();
        const { log } = this.app.logger;
        const context = contextOn(conversation, bridge, (message, fields) => log.info(message, fields));
        await this.#takeSequence(conversation);
        notice = conversation.notice;
        delete conversation.notice;
        if (conversation.restoreFrom !== undefined) {
          notice = await restoreAskConversation(this.app, context, this.#askStates, conversation.restoreFrom);
          conversation.continued = notice === undefined;
          delete conversation.restoreFrom;
        }
        const result = await runTurn(
          {
            app: this.app,
            conversation: context,
            transcript: conversation.transcript,
            prefixCache: this.#prefixCache,
          },
          { question, events, ...(options.signal ? { signal: options.signal } : {}) },
        );
        if (conversation.ask) await saveAskConversation(this.app, context, this.#askStates, conversation.id);
        return result;
      },
      (position) => events.onQueued?.(position),
    );
    conversation.turns++;
    conversation.lastQuestion = question;
    const speed = turnTokensPerSecond(result.timings);
    if (speed !== undefined) {
      this.#lastTurnTokensPerSecond = speed;
      this.#changed();
    }
    const problem = conversation.transcript.problem;
    return {
      ...result,
      ...(problem ? { transcriptProblem: problem } : {}),
      ...(conversation.ask ? { continued: conversation.continued === true } : {}),
      ...(notice ? { notice } : {}),
    };
  }

  /**
   * Runs a slash command at once, beside any turn: commands that need the model wait in the queue
   * themselves (`useModel`).
   */
  async runCommand(line: string, options: CommandRunOptions): Promise<{ ok: boolean }> {
    const run = await this.app.commands.run(line, {
      host: this.app,
      source: "operator",
      out: options.out,
      style: createStyle(options.color),
      engine: this,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { ok: run.ok };
  }

  /**
   * The plain-language line being typed in a REPL's conversation: its turn is prepared in the
   * background (src/planner/speculative-prefill.ts), unless the model is busy or not loaded.
   */
  prefill(id: string, text: string): void {
    const conversation = this.#conversations.touch(id);
    const { state } = this.model;
    // An ask conversation about to be restored would only have its prefill thrown away.
    if (!conversation || conversation.restoreFrom !== undefined) return;
    if (state.kind !== "ready" || this.#queue.busy) return;
    const { log } = this.app.logger;
    const context = contextOn(conversation, state.bridge, (message, fields) => log.info(message, fields));
    this.#speculation.prefill(
      {
        app: this.app,
        owner: id,
        conversation: context,
        prefixCache: this.#prefixCache,
        // Another pane's conversation is saved aside first, as this one's turn would do.
        claimSequence: () => this.#takeSequence(conversation),
      },
      text,
    );
  }

  /** Forgets what `prefill` prepared for the conversation; resolves once the model is free. */
  async dropSpeculative(id: string): Promise<void> {
    await this.#speculation.drop(id);
  }

  /** Switches the model after the turns already queued, so none loses its model halfway. */
  useModel(target: string, signal?: AbortSignal): Promise<LlamaBridge> {
    return this.#exclusive("model", signal, () => {
      this.#resident = undefined;
      return this.model.use(target);
    });
  }

  /** Unloads the model once the turns queued before have finished; the next question loads it again. */
  unloadModel(signal?: AbortSignal): Promise<void> {
    return this.#exclusive("model", signal, () => {
      this.#resident = undefined;
      return this.model.unload();
    });
  }

  /**
   * Plain chat for other programs (the OpenAI-compatible route): the messages as the model's chat
   * template renders them, one reply; no planner, no commands. Queued like any turn.
   */
  chat(
    messages: readonly ChatHistoryItem[],
    options: ChatOptions = {},
  ): Promise<Generation & { model: string }> {
    const { llm } = this.app.settings.config;
    return this.#exclusive("api", options.signal, async () => {
      const bridge = await this.model.ready(options.signal);
      // The chat uses the sequence as it likes: the conversation there waits aside meanwhile.
      await this.#takeSequence(undefined);
      const prompt = bridge.renderChat(messages);
      const room = bridge.contextSize - prompt.length;
      if (room < 1) throw new ContextOverflowError(prompt.length + 1, bridge.contextSize);
      const generation = await bridge.generate(prompt, {
        maxTokens: Math.min(options.maxTokens ?? llm.maxTokens, room),
        temperature: options.temperature ?? llm.temperature,
        topP: options.topP ?? llm.topP,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onText ? { onText: options.onText } : {}),
      });
      return { ...generation, model: bridge.info.name };
    });
  }

  /**
   * Gives the model's sequence to `conversation` (undefined: to whatever is not a conversation):
   * the resident conversation's context is saved aside, and the incoming one's, if it was saved,
   * is loaded back; so switching panes costs a state save and load, not evaluating the incoming
   * conversation again. Whatever cannot be saved or loaded is evaluated again at the next turn.
   */
  async #takeSequence(conversation: EngineConversation | undefined): Promise<void> {
    const outgoing = this.#resident;
    if (outgoing === conversation) return;
    this.#resident = conversation;
    if (!this.#swap) return;
    const started = performance.now();
    const { log } = this.app.logger;
    const leaving = outgoing?.context;
    if (outgoing && leaving && leaving.tokens.length > leaving.staticTokens) {
      try {
        await leaving.save(this.#swap, outgoing.id);
        outgoing.swappedOut = true;
      } catch (error) {
        log.warn("conversation not swapped out", { id: outgoing.id, error: (error as Error).message });
      }
    }
    const coming = conversation?.context;
    let restored = false;
    if (conversation?.swappedOut && coming?.system !== undefined) {
      conversation.swappedOut = false;
      restored = await coming.restore(this.#swap, conversation.id, coming.system).catch(() => false);
    }
    log.info("sequence switch", {
      from: outgoing?.id ?? "none",
      to: conversation?.id ?? "chat",
      restored,
      ms: Math.round(performance.now() - started),
    });
  }

  watch(listener: (status: EngineStatus) => void): () => void {
    this.#listeners.add(listener);
    listener(this.statusNow());
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    await this.model.unload();
  }

  /**
   * Queued work that has the model to itself: a prefill in progress stops between two slices
   * first, and what it evaluated stays for a turn to keep.
   */
  #exclusive<T>(
    owner: string,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
    onPosition?: (position: number) => void,
  ): Promise<T> {
    return this.#queue.run(
      owner,
      signal,
      async () => {
        const settled = await this.#speculation.settle();
        if (settled.heldTokens > 0 || settled.inFlightTokens > 0)
          this.app.logger.log.info("prefill settled", { owner, ...settled });
        return work();
      },
      onPosition,
    );
  }

  #changed(): void {
    if (this.#listeners.size === 0) return;
    const status = this.statusNow();
    for (const listener of this.#listeners) listener(status);
  }
}

/** A client named a conversation this engine does not have (it restarted, or a typo). */
export class UnknownConversationError extends Error {
  override name = "UnknownConversationError";
  constructor(id: string) {
    super(`no conversation ${id} in this engine`);
  }
}

function engineModelState(state: ModelState): EngineModelState {
  const hud = hudModelFrom(state);
  if (state.kind === "ready")
    return {
      ...hud,
      path: state.bridge.info.path,
      threads: state.bridge.threads,
      contextSize: state.bridge.contextSize,
    };
  if (state.kind === "loading" && state.path) return { ...hud, path: state.path };
  if (state.kind === "failed") return { ...hud, error: state.error.message };
  return hud;
}

function logModelState(app: App, state: ModelState): void {
  if (state.kind === "ready")
    app.logger.log.info("model ready", {
      model: state.bridge.info.path,
      threads: state.bridge.threads,
      contextSize: state.bridge.contextSize,
    });
  if (state.kind === "failed") app.logger.log.warn("model failed", { error: state.error.message });
}
