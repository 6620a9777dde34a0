import * as v from "valibot";
import { AGENT_NAMES } from "../agents/names.ts";

// Every key has its default in config/system.yml; the schema only says what is valid.
// strictObject everywhere: an unknown key is an error that names it, never silently ignored.

const count = (what: string) =>
  v.pipe(v.number(`expected a number (${what})`), v.integer(`expected a whole number (${what})`));
const positive = (what: string) => v.pipe(count(what), v.minValue(1, `expected at least 1 (${what})`));
const nonNegative = (what: string) => v.pipe(count(what), v.minValue(0, `expected 0 or more (${what})`));
const fraction = () =>
  v.pipe(
    v.number("expected a number"),
    v.minValue(0, "expected 0 or more"),
    v.maxValue(1, "expected at most 1"),
  );
const text = (what: string) => v.string(`expected text (${what})`);
const agentList = v.array(
  v.picklist(AGENT_NAMES, `expected one of the agent names: ${AGENT_NAMES.join(", ")}`),
  "expected a list of agent names",
);

export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug", "trace"] as const;

export const ConfigSchema = v.strictObject({
  vault: v.strictObject({ path: v.pipe(text("a folder"), v.minLength(1, "expected a folder path")) }),
  llm: v.strictObject({
    model: text("a .gguf file, a folder or a model name"),
    maxTokens: positive("tokens"),
    temperature: v.pipe(
      v.number("expected a number"),
      v.minValue(0, "expected 0 or more"),
      v.maxValue(2, "expected at most 2"),
    ),
    topP: fraction(),
    contextSize: v.pipe(positive("tokens"), v.minValue(256, "expected at least 256 tokens")),
    threads: nonNegative("threads; 0 means the physical cores"),
    timeoutSeconds: positive("seconds"),
    plannerPrompt: text("a prompt file path"),
    responderPrompt: text("a prompt file path"),
    maxPlannedCommands: v.pipe(positive("commands"), v.maxValue(16, "expected at most 16 commands")),
    commandOutputChars: positive("characters"),
  }),
  grounding: v.strictObject({
    coreTokens: nonNegative("tokens"),
    turnTokens: nonNegative("tokens"),
    windowTokens: positive("tokens"),
    windowLines: nonNegative("lines"),
    maxExcerpts: nonNegative("excerpts"),
    relativeScore: fraction(),
  }),
  log: v.strictObject({
    level: v.picklist(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(", ")}`),
    maxBytes: v.pipe(positive("bytes"), v.minValue(4096, "expected at least 4096 bytes")),
    keep: nonNegative("rotated files"),
  }),
  repl: v.strictObject({
    prompt: text("the prompt shown before input"),
    historySize: nonNegative("lines"),
  }),
  agents: v.strictObject({
    enabled: agentList,
    disabled: agentList,
    timeoutMs: positive("milliseconds"),
    network: v.strictObject({
      preferredInterfaces: v.array(text("an interface name"), "expected a list of interface names"),
      checks: v.array(
        v.strictObject(
          {
            host: v.pipe(text("a host"), v.minLength(1, "expected a host name or address")),
            port: v.pipe(positive("a TCP port"), v.maxValue(65535, "expected a TCP port")),
          },
          "expected {host, port}",
        ),
        "expected a list of {host, port}",
      ),
      checkTimeoutMs: positive("milliseconds"),
      includeLoopback: v.boolean("expected true or false"),
    }),
    metrics: v.strictObject({
      pollSeconds: positive("seconds"),
      thermalZone: text("a /sys/class/thermal/.../temp file"),
    }),
    plugin: v.strictObject({
      paths: v.array(text("a folder"), "expected a list of folders"),
      timeoutMs: positive("milliseconds"),
      trusted: v.array(text("a plugin name"), "expected a list of plugin names"),
    }),
  }),
  hud: v.strictObject({
    refreshSeconds: positive("seconds"),
    session: v.pipe(text("a tmux session name"), v.minLength(1, "expected a tmux session name")),
  }),
  engine: v.strictObject({
    idleMinutes: v.pipe(
      v.number("expected a number (minutes; 0 means never)"),
      v.minValue(0, "expected 0 or more (minutes; 0 means never)"),
    ),
    listen: v.pipe(
      text('a "host:port" to listen on, or empty'),
      v.regex(/^$|^[^\s:]+:\d{1,5}$/, 'expected "host:port" (e.g. "0.0.0.0:8080") or empty'),
    ),
    tokenFile: text("a file path"),
    maxConversations: positive("conversations"),
  }),
  runtime: v.strictObject({ dir: text("a folder") }),
  update: v.strictObject({
    channel: text("a channel URL"),
    publicKeys: v.array(text("a base64 Ed25519 public key"), "expected a list of base64 public keys"),
  }),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
