/** The environment variables that override config keys. Names are part of Ember's contract. */
export const ENV_KEYS = {
  VAULT_DIR: "vault.path",
  LLAMA_CPP_MODEL: "llm.model",
  LLAMA_CPP_MAX_TOKENS: "llm.maxTokens",
  LLAMA_CPP_THREADS: "llm.threads",
  LLAMA_CPP_TEMPERATURE: "llm.temperature",
  LLAMA_CPP_TOP_P: "llm.topP",
  LLAMA_CPP_CONTEXT: "llm.contextSize",
  LLAMA_CPP_TIMEOUT: "llm.timeoutSeconds",
  LLAMA_PROMPT_PATH: "llm.plannerPrompt",
  LLAMA_RESPONDER_PROMPT_PATH: "llm.responderPrompt",
  EMBER_LOG_LEVEL: "log.level",
  EMBER_RUNTIME_DIR: "runtime.dir",
} as const;

export type EnvName = keyof typeof ENV_KEYS;

const NUMERIC = /^-?\d+(\.\d+)?$/;

/**
 * Reads the override variables that are set (an empty string counts as unset, so `VAR= ember`
 * does not wipe a default). Numeric-looking values become numbers; anything else stays text so
 * the schema reports it under the variable's name rather than us guessing.
 */
export function readEnvOverrides(
  env: Record<string, string | undefined>,
): Map<string, { variable: EnvName; value: unknown }> {
  const out = new Map<string, { variable: EnvName; value: unknown }>();
  for (const [variable, key] of Object.entries(ENV_KEYS) as [EnvName, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw === "") continue;
    const trimmed = raw.trim();
    out.set(key, { variable, value: NUMERIC.test(trimmed) && !isTextKey(key) ? Number(trimmed) : raw });
  }
  return out;
}

function isTextKey(key: string): boolean {
  return key === "vault.path" || key === "llm.model" || key.endsWith("Prompt") || key === "runtime.dir";
}
