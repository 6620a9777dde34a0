import { existsSync } from "node:fs";
import { join } from "node:path";
import builtinPlanner from "../../prompts/planner.prompt" with { type: "text" };
import builtinResponder from "../../prompts/responder.prompt" with { type: "text" };
import { displayPath, expandPath } from "../config/paths.ts";
import { readFileCapped, readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import { decodeUtf8, problemLine } from "../fs/utf8-text.ts";
import { PromptTemplateError } from "../llm/errors.ts";

/**
 * The planner and responder templates. A template is plain text with placeholders; in the planner
 * template a line holding only `---` separates the system message (above) from the user message
 * (below). The responder template is the follow-up user message sent after the plan and the
 * command outputs, so it has no system part. Each is rendered with the model's own chat template.
 */

export const PLACEHOLDERS = ["commands", "documentation", "history", "user_prompt", "tool_outputs"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PromptValues = Record<Placeholder, string>;

export type PromptOrigin = "config" | "vault" | "builtin";

/** A template is a page or two of instructions; larger files are refused unread. */
export const PROMPT_MAX_BYTES = 64 * 1024;

export interface PromptTemplate {
  /** Where it came from, as messages name it. */
  file: string;
  origin: PromptOrigin;
  /** Empty when the template has no system part. */
  system: string;
  user: string;
}

export interface Prompts {
  planner: PromptTemplate;
  responder: PromptTemplate;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SEPARATOR = /^---[ \t]*$/m;

/** Checks every `{name}` against the known placeholders; an unknown one names its file and line. */
function checkPlaceholders(text: string, file: string): void {
  const known = new Set<string>(PLACEHOLDERS);
  text.split("\n").forEach((line, i) => {
    for (const match of line.matchAll(PLACEHOLDER)) {
      if (!known.has(match[1]!))
        throw new PromptTemplateError(
          file,
          i + 1,
          `unknown placeholder {${match[1]}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}`,
        );
    }
  });
}

export function parseTemplate(
  text: string,
  file: string,
  origin: PromptOrigin,
  { split }: { split: boolean },
): PromptTemplate {
  const normalized = text.replace(/\r\n?/g, "\n");
  checkPlaceholders(normalized, file);
  const separator = split ? SEPARATOR.exec(normalized) : null;
  if (!separator) return { file, origin, system: "", user: normalized.trim() };
  return {
    file,
    origin,
    system: normalized.slice(0, separator.index).trim(),
    user: normalized.slice(separator.index + separator[0].length).trim(),
  };
}

/** Replaces each placeholder with its value in one pass, so values are never re-scanned. */
export function fillTemplate(part: string, values: PromptValues): string {
  return part.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as Placeholder] : whole,
  );
}

export interface LoadPromptsOptions {
  /** `llm.plannerPrompt` (LLAMA_PROMPT_PATH) and `llm.responderPrompt` (LLAMA_RESPONDER_PROMPT_PATH). */
  plannerPath: string;
  responderPath: string;
  vaultDir: string;
  cwd: string;
}

/** Precedence: the configured file (env or config) > the vault's `prompts/<name>.prompt` > built-in. */
export function loadPrompts(options: LoadPromptsOptions): Prompts {
  return {
    planner: loadOne("planner", options.plannerPath, builtinPlanner, options, true),
    responder: loadOne("responder", options.responderPath, builtinResponder, options, false),
  };
}

function loadOne(
  name: string,
  configured: string,
  builtin: string,
  options: LoadPromptsOptions,
  split: boolean,
): PromptTemplate {
  const fromConfig = configured.trim() === "" ? undefined : expandPath(configured.trim(), options.cwd);
  const fromVault = join(options.vaultDir, "prompts", `${name}.prompt`);
  const [path, origin] = fromConfig
    ? [fromConfig, "config" as const]
    : existsSync(fromVault)
      ? [fromVault, "vault" as const]
      : [undefined, "builtin" as const];
  if (!path) return parseTemplate(builtin, `prompts/${name}.prompt (built-in)`, origin, { split });
  const shown = displayPath(path, options.cwd);
  let text: string;
  try {
    // The vault's own template must stay in the vault; a configured path was named outright.
    const bytes =
      origin === "vault"
        ? readFileInside(path, { root: options.vaultDir, maxBytes: PROMPT_MAX_BYTES })
        : readFileCapped(path, PROMPT_MAX_BYTES);
    text = decodeUtf8(path, bytes);
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    throw new PromptTemplateError(shown, problemLine(error), error.reason);
  }
  return parseTemplate(text, shown, origin, { split });
}
