import { basename } from "node:path";
import type { ChatHistoryItem } from "node-llama-cpp";
import * as v from "valibot";
import { LlmError } from "../llm/errors.ts";
import { bridgeOptionsFor } from "../llm/model-loader.ts";
import type { Engine } from "./engine.ts";
import { eventStream } from "./sse.ts";

/**
 * The OpenAI-compatible routes, so existing OpenAI clients can use the node's model:
 * `GET /v1/models` and `POST /v1/chat/completions` (streamed or not). Plain chat: no planner, no
 * commands, no vault. Only what a chat needs is read from the request; unknown fields are ignored,
 * as OpenAI clients send many.
 */

const Content = v.union([
  v.string(),
  v.array(v.looseObject({ type: v.string(), text: v.optional(v.string()) })),
]);
const ChatRequest = v.looseObject({
  model: v.optional(v.string()),
  messages: v.pipe(
    v.array(
      v.looseObject({ role: v.picklist(["system", "developer", "user", "assistant"]), content: Content }),
    ),
    v.minLength(1, "messages: expected at least one message"),
  ),
  stream: v.optional(v.boolean()),
  max_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  max_completion_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  temperature: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
  top_p: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
});

/** The model's id as OpenAI clients see it: its file name without `.gguf`. */
function modelId(engine: Engine): string | undefined {
  const state = engine.model.state;
  if (state.kind === "ready") return idOf(state.bridge.info.path);
  if (state.kind === "loading" && state.path) return idOf(state.path);
  try {
    return idOf(bridgeOptionsFor(engine.app, engine.model.override).modelPath);
  } catch {
    return undefined;
  }
}

const idOf = (path: string) => basename(path).replace(/\.gguf$/i, "");

export function listModels(engine: Engine): Response {
  const id = modelId(engine);
  const created = Math.floor(Date.now() / 1000);
  return Response.json({
    object: "list",
    data: id ? [{ id, object: "model", created, owned_by: "ember" }] : [],
  });
}

export async function chatCompletions(engine: Engine, body: unknown, signal: AbortSignal): Promise<Response> {
  const parsed = v.safeParse(ChatRequest, body);
  if (!parsed.success) return openAiError(400, describeIssue(parsed.issues[0]));
  const request = parsed.output;
  const messages = request.messages.map(toChatItem);
  const options = {
    signal,
    ...((request.max_tokens ?? request.max_completion_tokens)
      ? { maxTokens: request.max_tokens ?? request.max_completion_tokens }
      : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { topP: request.top_p } : {}),
  };
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  if (!request.stream) {
    try {
      const generation = await engine.chat(messages, options);
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: modelId(engine) ?? generation.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: generation.text },
            finish_reason: generation.stopReason === "maxTokens" ? "length" : "stop",
          },
        ],
        usage: {
          prompt_tokens: generation.promptTokens,
          completion_tokens: generation.generatedTokens,
          total_tokens: generation.promptTokens + generation.generatedTokens,
        },
      });
    } catch (error) {
      if (error instanceof LlmError) return openAiError(503, error.message);
      throw error;
    }
  }
  const controller = new AbortController();
  const stream = eventStream({ onGone: () => controller.abort(new Error("client gone")) });
  const chunk = (delta: Record<string, string>, finish: string | null) =>
    stream.data(
      JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model: modelId(engine) ?? "",
        choices: [{ index: 0, delta, finish_reason: finish }],
      }),
    );
  chunk({ role: "assistant" }, null);
  engine
    .chat(messages, {
      ...options,
      signal: AbortSignal.any([signal, controller.signal]),
      onText: (text) => chunk({ content: text }, null),
    })
    .then((generation) => {
      chunk({}, generation.stopReason === "maxTokens" ? "length" : "stop");
      stream.data("[DONE]");
    })
    .catch((error: Error) => stream.data(JSON.stringify({ error: { message: error.message } })))
    .finally(() => stream.close());
  return stream.response;
}

function toChatItem(message: v.InferOutput<typeof ChatRequest>["messages"][number]): ChatHistoryItem {
  const text =
    typeof message.content === "string"
      ? message.content
      : message.content
          .filter((part) => part.type === "text")
          .map((part) => part.text ?? "")
          .join("");
  if (message.role === "assistant") return { type: "model", response: [text] };
  if (message.role === "user") return { type: "user", text };
  return { type: "system", text };
}

function describeIssue(issue: v.BaseIssue<unknown> | undefined): string {
  if (!issue) return "invalid request";
  const path = issue.path?.map((p) => String(p.key)).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

export function openAiError(status: number, message: string): Response {
  const type =
    status === 401 ? "authentication_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return Response.json({ error: { message, type } }, { status });
}
