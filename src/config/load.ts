import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import defaultsText from "../../config/system.yml" with { type: "text" };
import { readFileCapped, readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import { type EnvName, readEnvOverrides } from "./env.ts";
import { issueText } from "./issue-text.ts";
import { type LocatedYaml, locate, parseLocatedYaml } from "./locate.ts";
import { displayPath, expandPath, xdgVaultDir } from "./paths.ts";
import { type Config, ConfigSchema } from "./schema.ts";
import { cloneTree, getPath, hasPath, isTree, leaves, setPath, type Tree } from "./tree.ts";

/** Where an effective value came from. */
export type ValueSource =
  | { kind: "default" }
  | { kind: "file"; file: string; line: number; column: number }
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
  issues: ConfigIssue[];
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

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.where} ${issue.key}: ${issue.message}`;
}

interface FileLayer {
  yaml: LocatedYaml;
  data: Tree;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const issues: ConfigIssue[] = [];
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
    const layer = readYamlLayer(path, root, cwd, issues);
    files.push(path);
    if (!layer) return;
    fileLayers.set(path, layer);
    if (!allowVaultPath && hasPath(layer.data, ["vault", "path"])) {
      const pos = locate(layer.yaml, ["vault", "path"], "key");
      issues.push({
        where: `${displayPath(path, cwd)}:${pos.line}:${pos.column}`,
        key: "vault.path",
        message: "cannot be set inside the vault; use VAULT_DIR or the system config",
      });
      setPath(layer.data, ["vault", "path"], undefined);
    }
    mergeInto(merged, layer.data, [], sources, (p) => {
      const pos = locate(layer.yaml, p);
      return { kind: "file", file: path, line: pos.line, column: pos.column };
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
      const pos = layer ? locate(layer.yaml, path, at) : source;
      return `${displayPath(source.file, cwd)}:${pos.line}:${pos.column}`;
    }
    return "config/system.yml";
  };

  const config = validateWithFallback(merged, defaults, sources, issues, describe);
  setPath(config as unknown as Tree, ["vault", "path"], vaultDir);
  return {
    config,
    valid: issues.length === 0,
    issues,
    sources: leafSources(config, sources),
    files,
    vaultDir,
  };
}

function parseDefaults(): Tree {
  const { yaml, errors } = parseLocatedYaml("config/system.yml", defaultsText);
  const data = yaml.doc.toJS();
  // The defaults ship inside the binary; if they are broken the build itself is broken.
  if (errors.length > 0 || !isTree(data))
    throw new Error(`config/system.yml is invalid: ${errors[0]?.message}`);
  return data;
}

function readYamlLayer(
  path: string,
  root: string | undefined,
  cwd: string,
  issues: ConfigIssue[],
): FileLayer | undefined {
  const shown = displayPath(path, cwd);
  let text: string;
  try {
    const bytes =
      root === undefined
        ? readFileCapped(path, CONFIG_MAX_BYTES)
        : readFileInside(path, { root, maxBytes: CONFIG_MAX_BYTES });
    text = bytes.toString("utf8");
  } catch (error) {
    if (!(error instanceof UnsafeFileError)) throw error;
    issues.push({ where: shown, key: "(file)", message: error.reason });
    return undefined;
  }
  const { yaml, errors } = parseLocatedYaml(path, text);
  const first = errors[0];
  if (first) {
    issues.push({ where: `${shown}:${first.line}:${first.column}`, key: "(yaml)", message: first.message });
    return undefined;
  }
  const data = yaml.doc.toJS() ?? {};
  if (!isTree(data)) {
    issues.push({ where: `${shown}:1:1`, key: "(file)", message: "expected a mapping of config keys" });
    return undefined;
  }
  return { yaml, data };
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
    forgetBelow(sources, path.join("."));
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
 */
function validateWithFallback(
  merged: Tree,
  defaults: Tree,
  sources: Map<string, ValueSource>,
  issues: ConfigIssue[],
  describe: (path: (string | number)[], at: "key" | "value") => string,
): Config {
  for (let round = 0; round < 8; round++) {
    const result = v.safeParse(ConfigSchema, merged);
    if (result.success) return result.output;
    for (const issue of result.issues) {
      const path = (issue.path ?? []).map((p) => p.key as string | number);
      const unknownKey = issue.path?.at(-1)?.origin === "key" || issue.expected === "never";
      const key = path.join(".");
      issues.push({
        where: describe(path, unknownKey ? "key" : "value"),
        key,
        message: unknownKey ? "unknown key" : issueText(issue),
      });
      revertToDefault(merged, defaults, sources, path.map(String));
    }
  }
  return v.parse(ConfigSchema, cloneTree(defaults));
}

function revertToDefault(
  merged: Tree,
  defaults: Tree,
  sources: Map<string, ValueSource>,
  path: string[],
): void {
  // Revert the whole value the layer supplied (e.g. the list, not just its bad item).
  let n = path.length;
  while (n > 1 && !sources.has(path.slice(0, n).join("."))) n--;
  const owned = path.slice(0, n);
  forgetBelow(sources, owned.join("."));
  if (hasPath(defaults, owned)) {
    const value = cloneTree(getPath(defaults, owned));
    setPath(merged, owned, value);
    for (const [p] of isTree(value) ? leaves(value, owned) : [[owned, value] as const]) {
      sources.set(p.join("."), { kind: "default" });
    }
  } else {
    setPath(merged, owned, undefined);
  }
}

function leafSources(config: Config, sources: Map<string, ValueSource>): Map<string, ValueSource> {
  const out = new Map<string, ValueSource>();
  for (const [path] of leaves(config as unknown as Tree)) out.set(path.join("."), sourceOf(sources, path));
  return out;
}
