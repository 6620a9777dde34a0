import { isAbsolute, normalize } from "node:path";
import * as v from "valibot";
import { locate, parseLocatedYaml } from "../config/locate.ts";
import { displayPath } from "../config/paths.ts";

/** The file that makes a folder a plugin. */
export const MANIFEST_FILE = "plugin.yml";
/** A manifest lists a few commands; anything larger is refused before the YAML parser sees it. */
export const MANIFEST_MAX_BYTES = 64 * 1024;

// Command names become slash commands (`/weather`), so they follow the same spelling.
const NAME = /^[a-z][a-z0-9-]*$/;
const name = (what: string) =>
  v.pipe(
    v.string(`expected text (${what})`),
    v.regex(NAME, `expected lowercase letters, digits and dashes, starting with a letter (${what})`),
  );
const text = (what: string) =>
  v.pipe(v.string(`expected text (${what})`), v.minLength(1, `expected ${what}`));

const insideFolder = (path: string) => !isAbsolute(path) && !normalize(path).startsWith("..");

const MAPPING_EXPECTED = "expected a mapping with name, version, description and commands";

export const PluginCommandSchema = v.strictObject(
  {
    name: name("the command name"),
    summary: text("a one-line summary"),
    usage: text("a usage line, e.g. /weather CITY"),
    exec: v.pipe(
      text("an executable's path relative to the plugin folder"),
      v.check(insideFolder, "expected a path inside the plugin folder (relative, no ..)"),
    ),
    plannerAllowed: v.optional(v.boolean("expected true or false"), false),
    timeoutMs: v.optional(
      v.pipe(
        v.number("expected a number (milliseconds)"),
        v.integer("expected a whole number (milliseconds)"),
        v.minValue(1, "expected at least 1 (milliseconds)"),
      ),
    ),
  },
  "expected a command: {name, summary, usage, exec}",
);

export const PluginManifestSchema = v.strictObject(
  {
    name: name("the plugin name"),
    // YAML reads `version: 1.0` as a number; insisting on text keeps "1.10" from becoming 1.1.
    version: text('a version; quote it, e.g. "1.0.0"'),
    description: text("a one-line description"),
    commands: v.pipe(
      v.array(PluginCommandSchema, "expected a list of commands"),
      v.minLength(1, "expected at least one command"),
    ),
  },
  "expected a mapping with name, version, description and commands",
);

export type PluginManifest = v.InferOutput<typeof PluginManifestSchema>;
export type PluginCommandManifest = v.InferOutput<typeof PluginCommandSchema>;

/** A plugin.yml that cannot be used; every problem is located `file:line:col key: message`. */
export class PluginManifestError extends Error {
  override name = "PluginManifestError";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more)` : (problems[0] ?? file));
  }
}

/** Parses and validates a manifest's text. Throws PluginManifestError. */
export function parsePluginManifest(file: string, text: string, cwd: string = process.cwd()): PluginManifest {
  const shown = displayPath(file, cwd);
  const { yaml, errors, data } = parseLocatedYaml(file, text);
  if (errors.length > 0)
    throw new PluginManifestError(
      file,
      errors.map((e) => `${shown}:${e.line}:${e.column} (yaml): ${e.message}`),
    );
  // valibot accepts a list where an object is expected (and then reports its indexes as keys).
  if (data === null || typeof data !== "object" || Array.isArray(data))
    throw new PluginManifestError(file, [`${shown}:1:1 (file): ${MAPPING_EXPECTED}`]);
  const result = v.safeParse(PluginManifestSchema, data);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => p.key as string | number);
    const atKey = issue.path?.at(-1)?.origin === "key";
    const unknownKey = issue.expected === "never";
    const missingKey = atKey && !unknownKey && issue.received === "undefined";
    const pos = locate(yaml, path, unknownKey ? "key" : "value");
    const key = path.length > 0 ? path.join(".") : "(file)";
    const message = unknownKey ? "unknown key" : missingKey ? "missing" : issue.message;
    return `${shown}:${pos.line}:${pos.column} ${key}: ${message}`;
  });
  throw new PluginManifestError(file, problems);
}
