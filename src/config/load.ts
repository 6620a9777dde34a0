import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import defaultsText from "../../config/system.yml" with { type: "text" };
import { readFileCapped, readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import { decodeUtf8, problemLine } from "../fs/utf8-text.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import { type EnvName, readEnvOverrides } from "./env.ts";
import { issueText } from "./issue-text.ts";
import { type LocatedYaml, locate, parseLocatedYaml } from "./locate.ts";
import { displayPath, expandPath, xdgVaultDir } from "./paths.ts";
import { capProblemLines, ProblemList } from "./problem-list.ts";
import { type MappedKey, translatePythonConfig } from "./python-ember.ts";
import { dropRetiredKeys } from "./retired-keys.ts";
import { type Config, ConfigSchema } from "./schema.ts";
import { cloneTree, getPath, hasPath, isTree, leaves, setPath, type Tree } from "./tree.ts";

/** Where an effective value came from. */
export type ValueSource =
  | { kind: "default" }
  /** `pythonKey`: the key the Python Ember's file used for it (`logging.level` for log.level). */
  | { kind: "file"; file: string; line: number; column: number; pythonKey?: string }
  | { kind: "env"; variable: EnvName | "XDG_DATA_HOME" };

/** One problem, already phrased for the operator: `vault/config/site.yml:4:3 agents.disabled: ...`. */
export interface ConfigIssue {
  where: string;
  key: string;
  message: string;
}

export interface LoadedConfig {
  config: Config;
  /** False when any layer had a problem; the effective config then falls back to defaults for those keys. */
  valid: boolean;
  /** The first PROBLEMS_SHOWN problems (src/config/problem-list.ts); `issueCount` counts them all. */
  issues: ConfigIssue[];
  issueCount: number;
  /** Things that are reported but change nothing: the Python Ember's keys with no use here. */
  warnings: ConfigIssue[];
  /** Source of each leaf key (dotted path) of the effective config. */
  sources: Map<string, ValueSource>;
  /** The YAML files that were read, in the order they were applied. */
  files: string[];
  vaultDir: string;
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The appliance's own file (between the defaults and the vault); EMBER_SYSTEM_CONFIG overrides. */
  systemFile?: string;
}

export const SYSTEM_CONFIG_FILE = "/etc/ember/ember.yml";
/** A config file is a page of settings; anything larger is refused before the YAML parser sees it. */
export const CONFIG_MAX_BYTES = 256 * 1024;
/** The vault file `/config set` writes: sorts after the operator's own files so it wins. */
export const OVERRIDE_FILE_NAME = "zz-local.yml";

/** One problem as one line; a key or value echoed from a file is shown, never obeyed. */
export function formatIssue(issue: ConfigIssue): string {
  return sanitizeLine(`${issue.where} ${issue.key}: ${issue.message}`);
}

/** The problems as the operator reads them: the first PROBLEMS_SHOWN, then a count of the rest. */
export function issueLines(loaded: Pick<LoadedConfig, "issues" | "issueCount">): string[] {
  return capProblemLines(loaded.issues.map(formatIssue), loaded.issueCount);
}

interface FileLayer {
  yaml: LocatedYaml;
  data: Tree;
  /** The Python Ember's keys this file used, and ours they became. */
  renamed: MappedKey[];
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems = new ProblemList<ConfigIssue>();
  const warnings: ConfigIssue[] = [];
  const files: string[] = [];

  const defaults = parseDefaults();
  const merged = cloneTree(defaults);
  const sources = new Map<string, ValueSource>(
    leaves(defaults).map(([p]) => [p.join("."), { kind: "default" }]),
  );
  const fileLayers = new Map<string, FileLayer>();

  /** `root`: the vault, for its own files; the system file is a path the appliance names outright. */
  const applyFile = (path: string, root: string | undefined) => {
    const allowVaultPath = root === undefined;
    const layer = readYamlLayer(path, root, cwd, problems);
    files.push(path);
    if (!layer) return;
    const python = translatePythonConfig(layer.data);
    layer.data = python.data;
    layer.renamed = python.mapped;
    const unusedKeys = [...python.unused, ...dropRetiredKeys(layer.data)];
    const located = unusedKeys.map((unused) => ({ unused, pos: locate(layer.yaml, unused.path, "key") }));
    located.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
    for (const { unused, pos } of located) {
      warnings.push({
        where: `${displayPath(path, cwd)}:${pos.line}:${pos.column}`,
        key: unused.path.join("."),
        message: unused.message,
      });
    }
    fileLayers.set(path, layer);
    if (!allowVaultPath && hasPath(layer.data, ["vault", "path"])) {
      problems.add(() => {
        const pos = locate(layer.yaml, ["vault", "path"], "key");
        return {
          where: `${displayPath(path, cwd)}:${pos.line}:${pos.column}`,
          key: "vault.path",
          message: "cannot be set inside the vault; use VAULT_DIR or the system config",
        };
      });
      setPath(layer.data, ["vault", "path"], undefined);
    }
    mergeInto(merged, layer.data, [], sources, (p) => {
      const renamed = python.mapped.find((m) => m.to.join(".") === p.join("."));
      const pos = locate(layer.yaml, renamed?.from ?? p);
      const pythonKey = renamed ? { pythonKey: renamed.from.join(".") } : {};
      return { kind: "file", file: path, line: pos.line, column: pos.column, ...pythonKey };
    });
  };

  const systemFile = env.EMBER_SYSTEM_CONFIG || options.systemFile || SYSTEM_CONFIG_FILE;
  if (existsSync(systemFile)) applyFile(systemFile, undefined);

  const envOverrides = readEnvOverrides(env);
  const vaultOverride = envOverrides.get("vault.path");
  const xdgVault = sources.get("vault.path")?.kind === "default" ? xdgVaultDir(env) : undefined;
  if (xdgVault) sources.set("vault.path", { kind: "env", variable: "XDG_DATA_HOME" });
  const vaultDir = expandPath(
    String(vaultOverride?.value ?? xdgVault ?? getPath(merged, ["vault", "path"]) ?? ""),
    cwd,
  );
  for (const file of vaultConfigFiles(vaultDir)) applyFile(file, vaultDir);

  for (const [key, { variable, value }] of envOverrides) {
    mergeInto(merged, treeAt(key.split("."), value), [], sources, () => ({ kind: "env", variable }));
  }

  const describe = (path: (string | number)[], at: "key" | "value"): string => {
    const source = sourceOf(sources, path.map(String));
    if (source.kind === "env") return source.variable;
    if (source.kind === "file") {
      const layer = fileLayers.get(source.file);
      const pos = layer ? locate(layer.yaml, pythonPath(layer.renamed, path), at) : source;
      return `${displayPath(source.file, cwd)}:${pos.line}:${pos.column}`;
    }
    return "config/system.yml";
  };

  const config = validateWithFallback(merged, defaults, sources, problems, describe);
  setPath(config as unknown as Tree, ["vault", "path"], vaultDir);
  return {
    config,
    valid: problems.count === 0,
    issues: problems.shown,
    issueCount: problems.count,
    warnings,
    sources: leafSources(config, sources),
    files,
    vaultDir,
  };
}

/** Where a key of ours stands in a file that spelled it the Python Ember's way. */
function pythonPath(renamed: readonly MappedKey[], path: (string | number)[]): (string | number)[] {
  const dotted = path.join(".");
  for (const { from, to } of renamed) {
    const prefix = to.join(".");
    if (dotted === prefix || dotted.startsWith(`${prefix}.`)) return [...from, ...path.slice(to.length)];
  }
  return path;
}

function parseDefaults(): Tree {
  const { errors, data } = parseLocatedYaml("config/system.yml", defaultsText);
  // The defaults ship inside the binary; if they are broken the build itself is broken.
  if (errors.length > 0 || !isTree(data))
    throw new Error(`config/system.yml is invalid: ${errors[0]?.message}`);
  return data;
}

function readYamlLayer(
  path: string,
  root: string | undefined,
  cwd: string,
  problems: ProblemList<ConfigIssue>,
): FileLayer | undefined {
  const shown = displayPath(path, cwd);
  let text: string;
  try {
    const bytes =
      root === undefined
        ? readFileCapped(path, CONFIG_MAX_BYTES)
        : readFileInside(path, { root, maxBytes: CONFIG_MAX_BYTES });
    text = decodeUtf8(path, bytes);
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    problems.add(() => ({ where: `${shown}:${problemLine(error)}:1`, key: "(file)", message: error.reason }));
    return undefined;
  }
  const { yaml, errors, data } = parseLocatedYaml(path, text);
  const first = errors[0];
  if (first) {
    problems.add(() => ({
      where: `${shown}:${first.line}:${first.column}`,
      key: "(yaml)",
      message: first.message,
    }));
    return undefined;
  }
  const tree = data ?? {};
  if (!isTree(tree)) {
    problems.add(() => ({
      where: `${shown}:1:1`,
      key: "(file)",
      message: "expected a mapping of config keys",
    }));
    return undefined;
  }
  return { yaml, data: tree, renamed: [] };
}

export function vaultConfigFiles(vaultDir: string): string[] {
  const dir = join(vaultDir, "config");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => (n.endsWith(".yml") || n.endsWith(".yaml")) && !n.startsWith("."))
    .sort()
    .map((n) => join(dir, n));
}

function treeAt(path: string[], value: unknown): Tree {
  const tree: Tree = {};
  setPath(tree, path, value);
  return tree;
}

/** Deep-merges `layer` into `target`: objects merge, everything else (lists included) replaces. */
function mergeInto(
  target: Tree,
  layer: Tree,
  prefix: string[],
  sources: Map<string, ValueSource>,
  sourceFor: (path: string[]) => ValueSource,
): void {
  for (const [key, value] of Object.entries(layer)) {
    const path = [...prefix, key];
    const current = target[key];
    if (isTree(value) && isTree(current)) {
      mergeInto(current, value, path, sources, sourceFor);
      continue;
    }
    target[key] = cloneTree(value);
    // Only a replaced mapping has sources below it (checking every key would be quadratic).
    if (isTree(current)) forgetBelow(sources, path.join("."));
    sources.set(path.join("."), sourceFor(path));
  }
}

function forgetBelow(sources: Map<string, ValueSource>, dotted: string): void {
  for (const key of [...sources.keys()])
    if (key === dotted || key.startsWith(`${dotted}.`)) sources.delete(key);
}

function sourceOf(sources: Map<string, ValueSource>, path: string[]): ValueSource {
  for (let n = path.length; n > 0; n--) {
    const found = sources.get(path.slice(0, n).join("."));
    if (found) return found;
  }
  return { kind: "default" };
}

/**
 * Validates the merged tree. Each invalid key is reported once and put back to its default (or
 * dropped if unknown), so one typo does not take the rest of the operator's settings with it.
 * Every problem of a round is located before any value is reverted: reverting a list for its
 * first bad item must not make its second look like a default.
 */
function validateWithFallback(
  merged: Tree,
  defaults: Tree,
  sources: Map<string, ValueSource>,
  problems: ProblemList<ConfigIssue>,
  describe: (path: (string | number)[], at: "key" | "value") => string,
): Config {
  dropUnknownKeys(merged, defaults, [], sources, problems, describe);
  for (let round = 0; round < 8; round++) {
    const result = v.safeParse(ConfigSchema, merged);
    if (result.success) return result.output;
    const bad: string[][] = [];
    for (const issue of result.issues) {
      const path = (issue.path ?? []).map((p) => p.key as string | number);
      const unknownKey = issue.path?.at(-1)?.origin === "key" || issue.expected === "never";
      problems.add(() => ({
        where: describe(path, unknownKey ? "key" : "value"),
        key: path.join("."),
        message: unknownKey ? "unknown key" : issueText(issue),
      }));
      bad.push(path.map(String));
    }
    revertToDefaults(merged, defaults, sources, bad);
  }
  return v.parse(ConfigSchema, cloneTree(defaults));
}

/**
 * Every key has its default in config/system.yml, so a key the defaults lack is unknown. Found in
 * one walk here rather than by the schema, which names one unknown key per mapping per pass: a
 * file of many typos would otherwise need as many passes.
 */
function dropUnknownKeys(
  merged: Tree,
  defaults: Tree,
  prefix: string[],
  sources: Map<string, ValueSource>,
  problems: ProblemList<ConfigIssue>,
  describe: (path: (string | number)[], at: "key" | "value") => string,
): void {
  for (const [key, value] of Object.entries(merged)) {
    const path = [...prefix, key];
    const known = defaults[key];
    if (known === undefined) {
      problems.add(() => ({ where: describe(path, "key"), key: path.join("."), message: "unknown key" }));
      delete merged[key];
      sources.delete(path.join("."));
    } else if (isTree(known) && isTree(value)) {
      dropUnknownKeys(value, known, path, sources, problems, describe);
    }
  }
}

/** Puts back the whole value each layer supplied for a bad path (the list, not just its bad item). */
function revertToDefaults(
  merged: Tree,
  defaults: Tree,
  sources: Map<string, ValueSource>,
  paths: readonly string[][],
): void {
  const owned = paths.map((path) => {
    let n = path.length;
    while (n > 1 && !sources.has(path.slice(0, n).join("."))) n--;
    return path.slice(0, n);
  });
  // One pass over the sources for all of them: a file of thousands of unknown keys stays linear.
  const reverted = new Set(owned.map((path) => path.join(".")));
  for (const key of [...sources.keys()]) if (underAny(key, reverted)) sources.delete(key);
  for (const path of owned) {
    if (!hasPath(defaults, path)) {
      setPath(merged, path, undefined);
      continue;
    }
    const value = cloneTree(getPath(defaults, path));
    setPath(merged, path, value);
    for (const [p] of isTree(value) ? leaves(value, path) : [[path, value] as const]) {
      sources.set(p.join("."), { kind: "default" });
    }
  }
}

/** Whether the dotted `key` is one of `roots` or lies below one. */
function underAny(key: string, roots: ReadonlySet<string>): boolean {
  for (let end = key.length; end > 0; end = key.lastIndexOf(".", end - 1)) {
    if (roots.has(key.slice(0, end))) return true;
  }
  return false;
}

function leafSources(config: Config, sources: Map<string, ValueSource>): Map<string, ValueSource> {
  const out = new Map<string, ValueSource>();
  for (const [path] of leaves(config as unknown as Tree)) out.set(path.join("."), sourceOf(sources, path));
  return out;
}
