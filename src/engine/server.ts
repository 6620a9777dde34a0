import { timingSafeEqual } from "node:crypto";
import { chmodSync, unlinkSync } from "node:fs";
import type { Server } from "bun";
import * as v from "valibot";
import { MATCH_MARKS } from "../commands/search.ts";
import { LlmError } from "../llm/errors.ts";
import { TERMINATION_GRACE_MS, TerminatedError, type TerminationSignal } from "../os/termination.ts";
import { DEFAULT_SEARCH_LIMIT } from "../vault/index.ts";
import { searchVault } from "../vault/search.ts";
import { type Engine, UnknownConversationError } from "./engine.ts";
import { chatCompletions, listModels, openAiError } from "./openai.ts";
import { MAX_REQUEST_BYTES } from "./protocol.ts";
import { type EventStream, eventStream } from "./sse.ts";

/**
 * The engine's HTTP/1.1 API (docs/ENGINE.md) on its private Unix socket, and optionally on TCP
 * behind a bearer token. Every handler is a thin translation to the Engine object.
 */

/**
 * No idle timeout: a turn's stream is silent while a long prompt is evaluated (a 1B model's static
 * prefix takes more than 10 s here), a REPL's event stream while nothing changes, a model switch or
 * a full index answers after many seconds; Bun cuts a connection idle for 10 s by default, even in
 * the middle of a streamed response (per-request `server.timeout` does not survive the stream's
 * start). Bun honours the option on Unix sockets too, though its types leave it out there.
 */
const NO_IDLE_TIMEOUT = { idleTimeout: 0 } as unknown as Record<never, never>;

export interface ServeOptions {
  socket: string;
  /** `host:port` for TCP, with the token every TCP request must bear. */
  tcp?: { hostname: string; port: number; token: string };
  /** Asked to stop (`POST /v1/shutdown`, as `ember upgrade` does after a swap). */
  onShutdown(): void;
}

export interface EngineServers {
  tcpPort?: number;
  /**
   * The engine was told to stop (SIGTERM, SIGHUP, SIGINT): no new turn is taken, the turns queued
   * or running are stopped as terminated (each records itself and its client gets the result),
   * then every stream is closed and what was written to it is let through. Bounded by
   * TERMINATION_GRACE_MS; `stop` follows.
   */
  terminate(signal: TerminationSignal): Promise<void>;
  stop(): void;
}

/** A turn queued or running for a client: `cancel` and a termination reach it through here. */
interface ActiveTurn {
  controller: AbortController;
  /** Settles once its result (or error) has been written to its stream. */
  settled: Promise<void>;
}

/** What the routes share: the active turns, the watchers' streams, and whether the engine is going. */
interface ServerState {
  turns: Map<string, ActiveTurn>;
  watchers: Set<EventStream>;
  stopping?: TerminationSignal;
}

const ConversationRequest = v.object({
  ask: v.optional(v.boolean()),
  continueLastAsk: v.optional(v.boolean()),
});
/** `signal`: the client was told to stop (SIGTERM, SIGHUP); the turn is then recorded as terminated. */
const CancelRequest = v.object({ signal: v.optional(v.picklist(["SIGTERM", "SIGHUP"])) });
const TurnRequest = v.object({ question: v.pipe(v.string(), v.trim(), v.minLength(1, "question: empty")) });
const PrefillRequest = v.object({ text: v.pipe(v.string(), v.trim(), v.minLength(1, "empty")) });
const CommandRequest = v.object({
  line: v.pipe(v.string(), v.startsWith("/", "line: a slash command starts with /")),
  conversation: v.optional(v.string()),
  color: v.optional(v.boolean()),
});
const ModelRequest = v.variant("action", [
  v.object({ action: v.literal("load") }),
  v.object({ action: v.literal("unload") }),
  v.object({ action: v.literal("use"), model: v.pipe(v.string(), v.minLength(1)) }),
]);

export function serveEngine(engine: Engine, options: ServeOptions): EngineServers {
  const state: ServerState = { turns: new Map(), watchers: new Set() };
  const handle = (request: Request) => route(engine, request, state, options);
  const unix = Bun.serve({
    unix: options.socket,
    maxRequestBodySize: MAX_REQUEST_BYTES,
    ...NO_IDLE_TIMEOUT,
    fetch: handle,
    error: internalError(engine),
  });
  chmodSync(options.socket, 0o600);
  let tcp: Server<undefined> | undefined;
  if (options.tcp) {
    const token = options.tcp.token;
    try {
      tcp = Bun.serve({
        hostname: options.tcp.hostname,
        port: options.tcp.port,
        maxRequestBodySize: MAX_REQUEST_BYTES,
        ...NO_IDLE_TIMEOUT,
        fetch: (request) =>
          bearerMatches(request, token) ? handle(request) : openAiError(401, "missing or wrong bearer token"),
        error: internalError(engine),
      });
    } catch (error) {
      unix.stop(true);
      unlinkSync(options.socket);
      throw new Error(
        `engine.listen ${options.tcp.hostname}:${options.tcp.port}: ${(error as Error).message}`,
      );
    }
  }
  return {
    ...(tcp?.port !== undefined ? { tcpPort: tcp.port } : {}),
    async terminate(signal) {
      state.stopping = signal;
      const deadline = Bun.sleep(TERMINATION_GRACE_MS);
      const turns = [...state.turns.values()];
      for (const turn of turns) turn.controller.abort(new TerminatedError(signal));
      await Promise.race([Promise.all(turns.map((t) => t.settled)), deadline]);
      // A watcher's stream never ends by itself; a graceful stop waits for every response to end.
      for (const watcher of state.watchers) watcher.close();
      await Promise.race([Promise.all([unix.stop(false), tcp?.stop(false)]), deadline]);
    },
    stop() {
      unix.stop(true);
      tcp?.stop(true);
      try {
        unlinkSync(options.socket);
      } catch {
        // Already gone: nothing to clean up.
      }
    },
  };
}

async function route(
  engine: Engine,
  request: Request,
  state: ServerState,
  options: ServeOptions,
): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const method = request.method;
  const turnPath = /^\/v1\/conversations\/([\w-]+)\/(turns|cancel|prefill)$/.exec(path);
  try {
    if (method === "GET" && path === "/v1/status") return Response.json(engine.statusNow());
    if (method === "GET" && path === "/v1/events")
      return events(engine, state.watchers, url.searchParams.get("hold")?.split(",") ?? []);
    if (method === "GET" && path === "/v1/conversations") return Response.json(await engine.conversations());
    if (method === "POST" && path === "/v1/conversations")
      return Response.json(
        { id: await engine.newConversation(v.parse(ConversationRequest, await readJson(request))) },
        { status: 201 },
      );
    if (method === "POST" && turnPath?.[2] === "turns")
      return turn(
        engine,
        turnPath[1]!,
        v.parse(TurnRequest, await readJson(request)).question,
        request,
        state,
      );
    if (turnPath?.[2] === "prefill" && (method === "POST" || method === "DELETE")) {
      const id = turnPath[1]!;
      if (!engine.hasConversation(id)) throw new UnknownConversationError(id);
      if (method === "DELETE") {
        await engine.dropSpeculative(id);
        return Response.json({ dropped: true });
      }
      engine.prefill(id, v.parse(PrefillRequest, await readJson(request)).text);
      return Response.json({ accepted: true }, { status: 202 });
    }
    if (method === "POST" && turnPath?.[2] === "cancel") {
      const controller = state.turns.get(turnPath[1]!)?.controller;
      const { signal } = v.parse(CancelRequest, await readJson(request));
      controller?.abort(signal ? new TerminatedError(signal) : new Error("cancelled"));
      return Response.json({ cancelled: controller !== undefined });
    }
    if (method === "POST" && path === "/v1/commands")
      return command(engine, v.parse(CommandRequest, await readJson(request)), request);
    if (method === "POST" && path === "/v1/model")
      return model(engine, v.parse(ModelRequest, await readJson(request)), request.signal);
    if (method === "POST" && path === "/v1/index") {
      return Response.json(await engine.reindex());
    }
    if (method === "GET" && path === "/v1/search") return search(engine, url);
    if (method === "POST" && path === "/v1/shutdown") {
      // After the answer has left: stopping closes every connection.
      setTimeout(options.onShutdown, 100);
      return Response.json({ stopping: true });
    }
    if (method === "GET" && path === "/v1/models") return listModels(engine);
    if (method === "POST" && path === "/v1/chat/completions")
      return chatCompletions(engine, await readJson(request), request.signal);
    return problem(404, `no route ${method} ${path} (see docs/ENGINE.md)`);
  } catch (error) {
    if (error instanceof v.ValiError) return problem(400, describeValiError(error));
    if (error instanceof RequestTooLargeError) return problem(413, error.message);
    if (error instanceof SyntaxError) return problem(400, `the body is not JSON: ${error.message}`);
    if (error instanceof UnknownConversationError) return problem(404, error.message);
    if (error instanceof LlmError) return problem(503, error.message);
    throw error;
  }
}

/**
 * The engine's state now and at every change, for HUDs; the connection counts as a client, and
 * holds the conversations it names (`?hold=ID,…`) while it is open.
 */
function events(engine: Engine, watchers: Set<EventStream>, hold: readonly string[]): Response {
  let detach = () => {};
  let unwatch = () => {};
  const releases = hold.map((id) => engine.hold(id));
  const stream = eventStream({
    onGone: () => {
      watchers.delete(stream);
      unwatch();
      detach();
      for (const release of releases) release();
    },
  });
  watchers.add(stream);
  detach = engine.attach();
  unwatch = engine.watch((status) => stream.send("state", status));
  return stream.response;
}

function turn(engine: Engine, id: string, question: string, request: Request, state: ServerState): Response {
  if (!engine.hasConversation(id)) throw new UnknownConversationError(id);
  if (state.stopping) return problem(503, `the engine is stopping (${state.stopping})`);
  if (state.turns.has(id)) return problem(409, `conversation ${id} already has a turn queued or running`);
  const controller = new AbortController();
  const detach = engine.attach();
  // A client that goes away (Ctrl-C closes the request) cancels its own turn, queued or running.
  const stream = eventStream({ onGone: () => controller.abort(new Error("client gone")) });
  const signal = AbortSignal.any([request.signal, controller.signal]);
  const settled = engine
    .ask(id, question, {
      signal,
      events: {
        onQueued: (position) => stream.send("queued", { position }),
        onLoading: () => stream.send("loading", {}),
        onStarted: () => stream.send("started", {}),
        onCommandStart: (line) => stream.send("command", { line }),
        onCommandOutput: (text) => stream.send("output", { text }),
        onAnswerText: (text) => stream.send("answer", { text }),
      },
    })
    .then((result) =>
      stream.send("done", result.stopped === "terminated" ? { ...stopNotice(state), ...result } : result),
    )
    .catch((error: Error) => {
      if (!(error instanceof LlmError || signal.aborted))
        engine.app.logger.log.error("turn failed", { error });
      stream.send("error", {
        message: signal.aborted ? (stopNotice(state).notice ?? "interrupted") : error.message,
      });
    })
    .finally(() => {
      state.turns.delete(id);
      detach();
      stream.close();
    });
  state.turns.set(id, { controller, settled });
  return stream.response;
}

/** Said to the client whose turn the engine's own termination stopped. */
function stopNotice(state: ServerState): { notice?: string } {
  return state.stopping ? { notice: `the engine was stopped (${state.stopping}) during this turn` } : {};
}

function command(engine: Engine, body: v.InferOutput<typeof CommandRequest>, request: Request): Response {
  const stream = eventStream();
  const write = (text: string) => stream.send("output", { text });
  engine
    .runCommand(body.line, {
      ...(body.conversation ? { conversation: body.conversation } : {}),
      color: body.color ?? false,
      signal: request.signal,
      out: { line: (text = "") => write(`${text}\n`), write },
    })
    .then((result) => stream.send("done", result))
    .catch((error: Error) => stream.send("error", { message: error.message }))
    .finally(() => stream.close());
  return stream.response;
}

async function model(
  engine: Engine,
  body: v.InferOutput<typeof ModelRequest>,
  signal: AbortSignal,
): Promise<Response> {
  if (body.action === "use") await engine.useModel(body.model, signal);
  else if (body.action === "unload") await engine.unloadModel(signal);
  else await engine.model.ready(signal);
  return Response.json(engine.statusNow().model);
}

function search(engine: Engine, url: URL): Response {
  const query = url.searchParams.get("q")?.trim() ?? "";
  const limit = Number(url.searchParams.get("limit") ?? DEFAULT_SEARCH_LIMIT);
  if (query === "") return problem(400, "q: empty");
  if (!Number.isInteger(limit) || limit < 1) return problem(400, "limit: expected a whole number of hits");
  // Marks around matched words, which the client's renderer turns bold after sanitizing the text.
  const marks = url.searchParams.get("marks") === "1" ? MATCH_MARKS : (["", ""] as const);
  return Response.json({ query, hits: searchVault(engine.app.settings.vaultDir, query, limit, marks) });
}

class RequestTooLargeError extends Error {
  constructor() {
    super(`the body is larger than ${MAX_REQUEST_BYTES} bytes`);
  }
}

/** The body as JSON, refused past MAX_REQUEST_BYTES before it is parsed. */
async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_REQUEST_BYTES) throw new RequestTooLargeError();
  const text = await request.text();
  if (text.length > MAX_REQUEST_BYTES) throw new RequestTooLargeError();
  return JSON.parse(text || "{}");
}

function bearerMatches(request: Request, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function problem(status: number, message: string): Response {
  return Response.json({ error: message }, { status });
}

function describeValiError(error: v.ValiError<v.GenericSchema>): string {
  const issue = error.issues[0];
  const path = issue?.path?.map((p: { key: unknown }) => String(p.key)).join(".");
  return path ? `${path}: ${issue?.message}` : (issue?.message ?? "invalid request");
}

function internalError(engine: Engine) {
  return (error: Error) => {
    engine.app.logger.log.error("request failed", { error });
    return problem(500, "the engine failed on this request; see its log");
  };
}
