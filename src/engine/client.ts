import { LlmError } from "../llm/errors.ts";
import { TerminatedError } from "../os/termination.ts";
import type { AskOptions, CommandRunOptions, EngineApi, EngineTurnResult } from "./api.ts";
import { EngineLostError, EngineRequestError } from "./errors.ts";
import type { ConversationSummary, EngineStatus, NewConversationOptions } from "./protocol.ts";
import { readEvents } from "./sse.ts";

/** How long a client waits for the engine to answer a plain request before taking it for gone. */
const REQUEST_TIMEOUT_MS = 5000;

/**
 * The engine behind its Unix socket, as the same EngineApi the in-process engine offers. A broken
 * connection is an EngineLostError, so callers can say so and reconnect.
 */
export class EngineClient implements EngineApi {
  readonly socket: string;
  readonly #watchers = new Set<AbortController>();

  constructor(socket: string) {
    this.socket = socket;
  }

  async #fetch(path: string, init: RequestInit & { timeout?: boolean } = {}): Promise<Response> {
    let response: Response;
    const signals = [
      init.signal,
      init.timeout === false ? undefined : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    ];
    try {
      response = await fetch(`http://ember-engine${path}`, {
        ...init,
        unix: this.socket,
        signal: AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined && s !== null)),
      });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new EngineLostError((error as Error).message);
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: unknown };
      throw new EngineRequestError(
        response.status,
        typeof body.error === "string" ? body.error : `the engine answered ${response.status}`,
      );
    }
    return response;
  }

  async #json<T>(path: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(path, body === undefined ? {} : postJson(body));
    return (await response.json()) as T;
  }

  status(): Promise<EngineStatus> {
    return this.#json("/v1/status");
  }

  async newConversation(options: NewConversationOptions = {}): Promise<string> {
    return (await this.#json<{ id: string }>("/v1/conversations", options)).id;
  }

  conversations(): Promise<ConversationSummary[]> {
    return this.#json("/v1/conversations");
  }

  async ask(conversation: string, question: string, options: AskOptions = {}): Promise<EngineTurnResult> {
    const events = options.events ?? {};
    // Any abort closes the turn's stream, which cancels it, except a termination: that is passed
    // on as a cancel naming the signal, and the stream stays open for the result, so the engine
    // records the turn as terminated (with its partial answer) before this process exits.
    const stream = new AbortController();
    const onAbort = () => {
      const reason = options.signal?.reason;
      if (!(reason instanceof TerminatedError)) return stream.abort(reason);
      this.#json(`/v1/conversations/${conversation}/cancel`, { signal: reason.signal }).catch(() =>
        stream.abort(reason),
      );
    };
    if (options.signal?.aborted) stream.abort(options.signal.reason);
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await this.#turn(conversation, question, events, stream.signal);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async #turn(
    conversation: string,
    question: string,
    events: NonNullable<AskOptions["events"]>,
    signal: AbortSignal,
  ): Promise<EngineTurnResult> {
    const response = await this.#fetch(`/v1/conversations/${conversation}/turns`, {
      ...postJson({ question }),
      timeout: false,
      signal,
    });
    for await (const { event, data } of this.#events(response, signal)) {
      const value = JSON.parse(data);
      if (event === "queued") events.onQueued?.(value.position);
      else if (event === "loading") events.onLoading?.();
      else if (event === "started") events.onStarted?.();
      else if (event === "command") events.onCommandStart?.(value.line);
      else if (event === "output") events.onCommandOutput?.(value.text);
      else if (event === "answer") events.onAnswerText?.(value.text);
      else if (event === "done") return value as EngineTurnResult;
      // The engine's turn failed the way an in-process one would (no model, a plan it cannot read).
      else if (event === "error") throw new LlmError(value.message);
    }
    throw new EngineLostError("the turn's stream ended without a result");
  }

  prefill(conversation: string, text: string): void {
    // Only a hint: a lost engine shows itself on the turn that follows.
    this.#fetch(`/v1/conversations/${conversation}/prefill`, postJson({ text })).catch(() => {});
  }

  async dropSpeculative(conversation: string): Promise<void> {
    await this.#fetch(`/v1/conversations/${conversation}/prefill`, { method: "DELETE" }).catch(() => {});
  }

  async runCommand(line: string, options: CommandRunOptions): Promise<{ ok: boolean }> {
    const response = await this.#fetch("/v1/commands", {
      ...postJson({
        line,
        color: options.color,
        ...(options.conversation ? { conversation: options.conversation } : {}),
      }),
      timeout: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const { event, data } of this.#events(response, options.signal)) {
      const value = JSON.parse(data);
      if (event === "output") options.out.write(value.text);
      else if (event === "done") return { ok: value.ok };
      else if (event === "error") throw new EngineRequestError(500, value.message);
    }
    throw new EngineLostError("the command's stream ended without a result");
  }

  /** Other routes with a JSON body and answer (`/v1/index`, `/v1/model`, `/v1/shutdown`). */
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.#json(path, body);
  }

  get<T>(path: string): Promise<T> {
    return this.#json(path);
  }

  /** `hold`: conversations this client keeps using; the engine does not drop them while the stream is open. */
  watch(
    listener: (status: EngineStatus) => void,
    onLost?: (error: EngineLostError) => void,
    hold: readonly string[] = [],
  ): () => void {
    const controller = new AbortController();
    this.#watchers.add(controller);
    const path = hold.length > 0 ? `/v1/events?hold=${hold.map(encodeURIComponent).join(",")}` : "/v1/events";
    (async () => {
      const response = await this.#fetch(path, { signal: controller.signal, timeout: false });
      for await (const { event, data } of this.#events(response, controller.signal))
        if (event === "state") listener(JSON.parse(data) as EngineStatus);
      throw new EngineLostError("the event stream ended");
    })().catch((error: Error) => {
      if (controller.signal.aborted) return;
      onLost?.(error instanceof EngineLostError ? error : new EngineLostError(error.message));
    });
    return () => {
      controller.abort();
      this.#watchers.delete(controller);
    };
  }

  async close(): Promise<void> {
    for (const controller of this.#watchers) controller.abort();
    this.#watchers.clear();
  }

  /** The stream's events; a connection that breaks mid-stream is an EngineLostError. */
  async *#events(response: Response, signal?: AbortSignal): AsyncGenerator<{ event: string; data: string }> {
    if (!response.body) throw new EngineLostError("no body");
    try {
      yield* readEvents(response.body);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new EngineLostError((error as Error).message);
    }
  }
}

function postJson(body: unknown): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
