import { Transcript } from "../planner/transcript.ts";
import type { AskOptions, CommandRunOptions, EngineApi, EngineTurnResult } from "./api.ts";
import type { EngineClient } from "./client.ts";
import { EngineLostError, EngineRequestError } from "./errors.ts";
import type { ConversationSummary, EngineStatus, NewConversationOptions } from "./protocol.ts";

/** How long a watcher waits before trying an engine that could not be reached again. */
const RETRY_MS = 2000;

export interface AttachedEngineOptions {
  vaultDir: string;
  /** The engine again after it went away: the one answering, or a new `ember serve`. */
  restart(): Promise<EngineClient>;
  /** One line for the operator: the engine is restarting, or is back. */
  notice(line: string): void;
}

/**
 * A client's engine that survives the engine going away (kill -9, a crash, an upgrade): the
 * client says the engine is restarting, starts or finds it again, and carries on with fresh
 * conversations under the same handles. A turn that was in flight is written to its transcript as
 * `stopped: "engine lost"` with the answer so far, since the engine that would have written it is
 * gone.
 */
export class AttachedEngine implements EngineApi {
  #client: EngineClient;
  readonly #options: AttachedEngineOptions;
  /** The handles this client gave out, and the engine's id for each now. */
  readonly #ids = new Map<string, string>();
  /** Handles of `ember ask` conversations: a replacement is one too. */
  readonly #asks = new Set<string>();
  /** Open watches: each holds this client's conversations, and opens again when they change. */
  readonly #watches = new Set<() => void>();
  #reconnecting: Promise<void> | undefined;

  constructor(client: EngineClient, options: AttachedEngineOptions) {
    this.#client = client;
    this.#options = options;
  }

  get socket(): string {
    return this.#client.socket;
  }

  status(): Promise<EngineStatus> {
    return this.#client.status();
  }

  async newConversation(options: NewConversationOptions = {}): Promise<string> {
    const id = await this.#client.newConversation(options);
    this.#ids.set(id, id);
    if (options.ask || options.continueLastAsk) this.#asks.add(id);
    this.#holdAgain();
    return id;
  }

  conversations(): Promise<ConversationSummary[]> {
    return this.#client.conversations();
  }

  /**
   * A turn in the handle's conversation. The engine drops the least recently used conversations
   * past `engine.maxConversations`: if this one is gone, the question is asked in a fresh one,
   * which the handle names from then on, and the operator is told in one line.
   */
  async ask(handle: string, question: string, options: AskOptions = {}): Promise<EngineTurnResult> {
    try {
      return await this.#ask(handle, question, options);
    } catch (error) {
      if (!(error instanceof EngineRequestError && error.status === 404)) throw error;
      this.#options.notice(
        "the engine had dropped this conversation (idle, many newer ones); asking in a fresh one",
      );
      const fresh = await this.#client.newConversation(this.#asks.has(handle) ? { ask: true } : {});
      this.#ids.set(handle, fresh);
      this.#holdAgain();
      return this.#ask(handle, question, options);
    }
  }

  async #ask(handle: string, question: string, options: AskOptions): Promise<EngineTurnResult> {
    const id = this.#ids.get(handle) ?? handle;
    let partial = "";
    const events = options.events ?? {};
    try {
      return await this.#client.ask(id, question, {
        ...options,
        events: {
          ...events,
          onAnswerText: (text) => {
            partial += text;
            events.onAnswerText?.(text);
          },
        },
      });
    } catch (error) {
      if (!(error instanceof EngineLostError)) throw error;
      recordEngineLost(this.#options.vaultDir, id, question, partial);
      await this.#reconnect();
      throw error;
    }
  }

  prefill(handle: string, text: string): void {
    this.#client.prefill(this.#ids.get(handle) ?? handle, text);
  }

  dropSpeculative(handle: string): Promise<void> {
    return this.#client.dropSpeculative(this.#ids.get(handle) ?? handle);
  }

  async runCommand(line: string, options: CommandRunOptions): Promise<{ ok: boolean }> {
    const conversation =
      options.conversation && (this.#ids.get(options.conversation) ?? options.conversation);
    try {
      return await this.#client.runCommand(line, { ...options, ...(conversation ? { conversation } : {}) });
    } catch (error) {
      if (error instanceof EngineLostError) await this.#reconnect();
      throw error;
    }
  }

  /**
   * The engine's state now and at every change. The stream also holds this client's conversations
   * (the engine keeps them however many newer ones come), so it opens again when they change.
   */
  watch(listener: (status: EngineStatus) => void): () => void {
    let stopped = false;
    let unwatch = () => {};
    const follow = () => {
      if (stopped) return;
      unwatch = this.#client.watch(listener, () => {
        if (stopped) return;
        this.#reconnect().then(follow, () => setTimeout(follow, RETRY_MS));
      }, [...this.#ids.values()]);
    };
    const again = () => {
      unwatch();
      follow();
    };
    this.#watches.add(again);
    follow();
    return () => {
      stopped = true;
      this.#watches.delete(again);
      unwatch();
    };
  }

  #holdAgain(): void {
    for (const again of this.#watches) again();
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  /** One reconnection at a time, however many streams noticed the loss. */
  #reconnect(): Promise<void> {
    this.#reconnecting ??= (async () => {
      this.#options.notice("the engine went away; restarting it…");
      const old = this.#client;
      this.#client = await this.#options.restart();
      await old.close();
      for (const handle of this.#ids.keys()) this.#ids.set(handle, await this.#client.newConversation());
      const status = await this.#client.status();
      this.#options.notice(`the engine is back (pid ${status.pid}); carry on`);
    })().finally(() => {
      this.#reconnecting = undefined;
    });
    return this.#reconnecting;
  }
}

/** The turn the lost engine was running, into its transcript, with what had been answered. */
function recordEngineLost(vaultDir: string, session: string, question: string, partial: string): void {
  new Transcript({ vaultDir, session }).record({
    question,
    answer: partial,
    commands: [],
    grounding: [],
    stopped: "engine lost",
    timings: {},
  });
}
