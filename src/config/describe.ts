import { sanitizeLine } from "../terminal/sanitize.ts";
import type { LoadedConfig, ValueSource } from "./load.ts";
import { displayPath } from "./paths.ts";
import { getPath } from "./tree.ts";

/**
 * "default", "vault/config/site.yml:4:3", "env LLAMA_CPP_THREADS", or for a key the Python
 * Ember's file spelled its own way "vault/config/system.yml:3:10 (Python Ember logging.level)".
 */
export function describeSource(source: ValueSource | undefined, cwd?: string): string {
  if (!source || source.kind === "default") return "default";
  if (source.kind === "env") return `env ${source.variable}`;
  const python = source.pythonKey ? ` (Python Ember ${source.pythonKey})` : "";
  return `${displayPath(source.file, cwd)}:${source.line}:${source.column}${python}`;
}

/** A value for display: a string as it is (its control characters shown), anything else as JSON. */
export function formatValue(value: unknown): string {
  return sanitizeLine(typeof value === "string" ? (value === "" ? '""' : value) : JSON.stringify(value));
}

/** Every effective key with its value and origin, for `/config show` and `status --json`. */
export function effectiveValues(
  loaded: LoadedConfig,
  cwd?: string,
): { key: string; value: unknown; source: string }[] {
  return [...loaded.sources.entries()].map(([key, source]) => ({
    key,
    value: getPath(loaded.config, key.split(".")),
    source: describeSource(source, cwd),
  }));
}
