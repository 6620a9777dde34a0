import { type Dirent, readdirSync, realpathSync } from "node:fs";
import { basename, join } from "node:path";
import { expandPath } from "../config/paths.ts";
import { isFile, isFolder } from "../fs/kind.ts";
import { ModelNotFoundError } from "./errors.ts";

/** The system-wide places Ember looks for models, after `./models` and the vault's `models/`. */
export const SYSTEM_MODEL_FOLDERS: readonly string[] = [
  "/usr/share/ember/models",
  "/srv/ember/models",
  "/opt/ember/models",
];

export interface DiscoveredModel {
  path: string;
  /** The file name without `.gguf`: what `/model use NAME` matches. */
  name: string;
  folder: string;
}

export interface DiscoverOptions {
  /** `llm.model` (LLAMA_CPP_MODEL overrides it): a file, a folder, a model name, or empty. */
  setting: string;
  cwd: string;
  vaultDir: string;
  /** Replaces the system folders (tests). */
  systemFolders?: readonly string[];
}

export interface Discovery {
  /** Every model found in the folders searched, in search order; no duplicates. */
  models: DiscoveredModel[];
  /** The folders (or the file) looked at, in order: what an error message lists. */
  searched: string[];
  /** The model Ember would load, by the rule in `discoverModels`. */
  chosen?: DiscoveredModel;
}

/** `-00002-of-00003.gguf` parts are loaded through their first part, so only that one is listed. */
function isModelFile(name: string): boolean {
  const lower = name.toLowerCase();
  if (!lower.endsWith(".gguf") || lower.startsWith(".")) return false;
  const part = /-(\d{5})-of-\d{5}\.gguf$/.exec(lower);
  return !part || part[1] === "00001";
}

function entries(folder: string): Dirent[] {
  try {
    return readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

/** Models in `folder` and its direct subfolders (`models/qwen/*.gguf`), in name order. */
export function modelsInFolder(folder: string): DiscoveredModel[] {
  const found: DiscoveredModel[] = [];
  const add = (dir: string, name: string) => {
    const path = join(dir, name);
    if (isModelFile(name) && isFile(path)) found.push({ path, name: name.replace(/\.gguf$/i, ""), folder });
  };
  for (const entry of entries(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() || (entry.isSymbolicLink() && isFolder(path))) {
      for (const inner of entries(path)) add(path, inner.name);
    } else add(folder, entry.name);
  }
  return found;
}

export function defaultModelFolders(options: DiscoverOptions): string[] {
  return [
    join(options.cwd, "models"),
    join(options.vaultDir, "models"),
    ...(options.systemFolders ?? SYSTEM_MODEL_FOLDERS),
  ];
}

function looksLikePath(setting: string): boolean {
  return setting.includes("/") || setting.startsWith("~") || setting.toLowerCase().endsWith(".gguf");
}

/**
 * Finds the models Ember can use and the one it would load. The rule:
 * 1. `llm.model` / LLAMA_CPP_MODEL naming a file: that file.
 * 2. Naming a folder: the first model in it, by file name.
 * 3. Naming a model: the model whose file name (without `.gguf`) matches, case-insensitively,
 *    in `./models`, the vault's `models/`, then the system folders.
 * 4. Empty: the first folder of that list that holds any model, and in it the first by file name.
 */
export function discoverModels(options: DiscoverOptions): Discovery {
  const setting = options.setting.trim();
  const defaults = defaultModelFolders(options);
  const seen = new Set<string>();
  const models: DiscoveredModel[] = [];
  const collect = (folder: string) => {
    for (const model of modelsInFolder(folder)) {
      let key = model.path;
      try {
        key = realpathSync(model.path);
      } catch {
        // A dangling link is listed under its own path.
      }
      if (seen.has(key)) continue;
      seen.add(key);
      models.push(model);
    }
  };

  if (setting !== "" && (looksLikePath(setting) || isFolder(expandPath(setting, options.cwd)))) {
    const path = expandPath(setting, options.cwd);
    if (isFile(path)) {
      const chosen = { path, name: basename(path).replace(/\.gguf$/i, ""), folder: path };
      seen.add(path);
      models.push(chosen);
      for (const folder of defaults) collect(folder);
      return { models, searched: [path], chosen };
    }
    collect(path);
    const chosen = models[0];
    for (const folder of defaults) collect(folder);
    return { models, searched: [path], ...(chosen ? { chosen } : {}) };
  }

  for (const folder of defaults) collect(folder);
  const wanted = setting.toLowerCase().replace(/\.gguf$/, "");
  const chosen = setting === "" ? models[0] : models.find((m) => m.name.toLowerCase() === wanted);
  return { models, searched: defaults, ...(chosen ? { chosen } : {}) };
}

/** The path of the model to load, or ModelNotFoundError saying where Ember looked and `advice`. */
export function chooseModel(options: DiscoverOptions, advice: string): string {
  const discovery = discoverModels(options);
  if (!discovery.chosen)
    throw new ModelNotFoundError(discovery.searched, options.setting.trim() || undefined, advice);
  return discovery.chosen.path;
}
