import { existsSync } from "node:fs";
import { join } from "node:path";
import builtinPlanner from "../../prompts/planner.prompt" with { type: "text" };
import builtinResponder from "../../prompts/responder.prompt" with { type: "text" };
import type { App } from "../app.ts";
import { displayPath, expandPath } from "../config/paths.ts";
import { readFileCapped, readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import { decodeUtf8, problemLine } from "../fs/utf8-text.ts";
import { PromptTemplateError } from "../llm/errors.ts";

/**
 * The planner and responder templates. A template is plain text with placeholders. In the planner
 * template a line holding only `---` separates the system message (above: the static prefix,
 * the same on every turn) from the user message of each turn (below). The responder template is
 * the user message that brings the command outputs, so it has no system part. Each is rendered
 * with the model's own chat template.
 *
 * Templates are vault files: they are checked when loaded, and a problem names the file and line.
 */

export const PLACEHOLDERS = ["commands", "documentation", "excerpts", "user_prompt", "tool_outputs"] as const;
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

/** Which placeholders each part of each template may hold, and which it must. */
const RULES = {
  planner: {
    system: { allowed: ["commands", "documentation"], required: [] },
    user: { allowed: ["excerpts", "user_prompt"], required: ["excerpts", "user_prompt"] },
  },
  responder: {
    system: { allowed: [], required: [] },
    user: { allowed: ["tool_outputs", "user_prompt"], required: ["tool_outputs"] },
  },
} as const satisfies Record<
  string,
  Record<"system" | "user", { allowed: Placeholder[]; required: Placeholder[] }>
>;

export type TemplateKind = keyof typeof RULES;

const listed = (names: readonly string[]) => names.map((p) => `{${p}}`).join(" ");

/** Where each placeholder sits, line by line; an unknown one or a retired one is an error there. */
function placeholderLines(text: string, file: string, firstLine: number): Map<string, number> {
  const known = new Set<string>(PLACEHOLDERS);
  const found = new Map<string, number>();
  text.split("\n").forEach((line, i) => {
    for (const match of line.matchAll(PLACEHOLDER)) {
      const name = match[1]!;
      if (name === "history")
        throw new PromptTemplateError(
          file,
          firstLine + i,
          "{history} is gone: a session is now one conversation, so earlier turns are already in the context; remove it",
        );
      if (!known.has(name))
        throw new PromptTemplateError(
          file,
          firstLine + i,
          `unknown placeholder {${name}}; known: ${listed(PLACEHOLDERS)}`,
        );
      if (!found.has(name)) found.set(name, firstLine + i);
    }
  });
  return found;
}

/** The old plan shape, `{"response": …, "commands": …}`, found in a planner template. */
const OLD_PLAN_SHAPE = /"response"\s*:/;

function checkPart(
  kind: TemplateKind,
  part: "system" | "user",
  text: string,
  file: string,
  firstLine: number,
): void {
  const rule = RULES[kind][part];
  const found = placeholderLines(text, file, firstLine);
  for (const [name, line] of found) {
    if ((rule.allowed as readonly string[]).includes(name)) continue;
    const where =
      kind === "planner" && part === "system"
        ? "belongs below the --- line (above it is the static prefix, the same on every turn)"
        : kind === "planner"
          ? "belongs above the --- line (the static prefix)"
          : `is not used by the ${kind} template (it takes ${listed(rule.allowed)})`;
    throw new PromptTemplateError(file, line, `{${name}} ${where}`);
  }
  for (const name of rule.required)
    if (!found.has(name))
      throw new PromptTemplateError(
        file,
        firstLine,
        `the ${kind} template${kind === "planner" ? "'s part below ---" : ""} needs {${name}}`,
      );
  if (kind !== "planner") return;
  const old = text.split("\n").findIndex((line) => OLD_PLAN_SHAPE.test(line));
  if (old >= 0)
    throw new PromptTemplateError(
      file,
      firstLine + old,
      'written for the old {"response", "commands"} plan: the plan is now the command list alone, {"commands": [...]}, and the answer follows it as free text; rewrite it from the built-in prompts/planner.prompt',
    );
}

export function parseTemplate(
  text: string,
  file: string,
  origin: PromptOrigin,
  kind: TemplateKind,
): PromptTemplate {
  const normalized = text.replace(/\r\n?/g, "\n");
  const separator = kind === "planner" ? SEPARATOR.exec(normalized) : null;
  if (kind === "planner" && !separator)
    throw new PromptTemplateError(
      file,
      1,
      "no line holding only ---: the part above it is the static prefix (commands, documentation), the part below is each turn's message",
    );
  const systemText = separator ? normalized.slice(0, separator.index) : "";
  const userText = separator ? normalized.slice(separator.index + separator[0].length) : normalized;
  // The user part starts on the separator's own line (its rest is empty).
  const userLine = separator ? systemText.split("\n").length : 1;
  checkPart(kind, "system", systemText, file, 1);
  checkPart(kind, "user", userText, file, userLine);
  return { file, origin, system: systemText.trim(), user: userText.trim() };
}

/** Replaces each placeholder with its value in one pass, so values are never re-scanned. */
export function fillTemplate(part: string, values: Partial<PromptValues>): string {
  return part.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as Placeholder]! : whole,
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
/** The planner and responder templates the app's config names (or the built-in ones). */
export function loadConfiguredPrompts(app: Pick<App, "settings" | "cwd">): Prompts {
  const { llm } = app.settings.config;
  return loadPrompts({
    plannerPath: llm.plannerPrompt,
    responderPath: llm.responderPrompt,
    vaultDir: app.settings.vaultDir,
    cwd: app.cwd,
  });
}

export function loadPrompts(options: LoadPromptsOptions): Prompts {
  return {
    planner: loadOne("planner", options.plannerPath, builtinPlanner, options),
    responder: loadOne("responder", options.responderPath, builtinResponder, options),
  };
}

function loadOne(
  name: TemplateKind,
  configured: string,
  builtin: string,
  options: LoadPromptsOptions,
): PromptTemplate {
  const fromConfig = configured.trim() === "" ? undefined : expandPath(configured.trim(), options.cwd);
  const fromVault = join(options.vaultDir, "prompts", `${name}.prompt`);
  const [path, origin] = fromConfig
    ? [fromConfig, "config" as const]
    : existsSync(fromVault)
      ? [fromVault, "vault" as const]
      : [undefined, "builtin" as const];
  if (!path) return parseTemplate(builtin, `prompts/${name}.prompt (built-in)`, origin, name);
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
  return parseTemplate(text, shown, origin, name);
}
