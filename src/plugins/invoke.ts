import { spawn } from "node:child_process";
import * as v from "valibot";
import { sanitizeLine, sanitizeText } from "../terminal/sanitize.ts";

/** The protocol version sent in every request; a plugin can refuse versions it does not know. */
export const PLUGIN_PROTOCOL_VERSION = 1;
/** A plugin answer larger than this is cut off and reported: the console is not a file pipe. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
const STDERR_TAIL_BYTES = 2048;

export type PluginSource = "operator" | "planner";

/** What a plugin reads on stdin, as one JSON document. */
export interface PluginRequest {
  command: string;
  args: readonly string[];
  source: PluginSource;
  vaultDir: string;
  version: typeof PLUGIN_PROTOCOL_VERSION;
}

const AnswerSchema = v.object({
  ok: v.boolean(),
  output: v.string(),
  error: v.optional(v.string()),
});

/** What a plugin prints on stdout (one JSON document), or the error Ember substitutes for it. */
export type PluginAnswer = v.InferOutput<typeof AnswerSchema>;

export interface InvokeOptions {
  /** Absolute path of the executable. */
  exec: string;
  /** The plugin's folder; the executable runs in it. */
  cwd: string;
  request: PluginRequest;
  timeoutMs: number;
  signal?: AbortSignal;
  maxAnswerBytes?: number;
}

/**
 * Runs one plugin command. Never rejects: a plugin that cannot start, hangs, crashes, exits
 * nonzero or answers anything but the documented JSON yields `{ok: false, error}` with a
 * one-line reason. The plugin runs in its own process group so a timeout or cancel ends
 * everything it started. Its text (output, error, what it said on stderr, the preview of a bad
 * answer) comes back sanitized: every consumer can print it without the terminal obeying it.
 */
export function invokePlugin(options: InvokeOptions): Promise<PluginAnswer> {
  const limit = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve(failure("cancelled before it started"));
    const child = spawn(options.exec, [], {
      cwd: options.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let settled = false;

    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone, or the group never formed: fall back to the process itself.
        child.kill("SIGKILL");
      }
    };
    const settle = (answer: PluginAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(shownSafely(answer));
    };
    const stop = (reason: string) => {
      killGroup();
      settle(failure(reason));
    };
    const onAbort = () => stop("cancelled");
    const timer = setTimeout(
      () => stop(`timed out after ${options.timeoutMs} ms (killed)`),
      options.timeoutMs,
    );
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === "ENOENT" ? "not found" : error.code === "EACCES" ? "not executable" : error.message;
      settle(failure(`cannot start ${options.exec}: ${reason}`));
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > limit) return stop(`answered more than ${formatLimit(limit)} (killed)`);
      stdout.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    // A plugin that does not read its request closes stdin early; that is its business.
    child.stdin.on("error", () => {});
    child.on("close", (code, signal) => {
      const said = lastLine(stderr.toString("utf8"));
      if (signal) return settle(failure(`was killed by ${signal}${said ? `: ${said}` : ""}`));
      if (code !== 0) return settle(failure(`exited with code ${code}${said ? `: ${said}` : ""}`));
      settle(parseAnswer(Buffer.concat(stdout).toString("utf8")));
    });
    child.stdin.end(`${JSON.stringify(options.request)}\n`);
  });
}

/** Reads a plugin's stdout as its answer. */
export function parseAnswer(text: string): PluginAnswer {
  const trimmed = text.trim();
  if (trimmed === "") return failure("answered nothing (expected a JSON answer on stdout)");
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    return failure(`answered something that is not JSON: ${preview(trimmed)}`);
  }
  const result = v.safeParse(AnswerSchema, data);
  if (!result.success)
    return failure(`answered JSON without the expected {ok: boolean, output: string}: ${preview(trimmed)}`);
  const answer = result.output;
  if (!answer.ok && !answer.error)
    return { ...answer, error: "the plugin reported a failure without a reason" };
  return answer;
}

/** Control characters shown, never obeyed (src/terminal/sanitize.ts); the error is one line. */
function shownSafely(answer: PluginAnswer): PluginAnswer {
  const output = sanitizeText(answer.output);
  return answer.error === undefined
    ? { ...answer, output }
    : { ...answer, output, error: sanitizeLine(answer.error) };
}

function failure(error: string): PluginAnswer {
  return { ok: false, output: "", error };
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim().slice(0, 200) ?? "";
}

function preview(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}
