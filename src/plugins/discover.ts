import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { displayPath } from "../config/paths.ts";
import { describeFsError } from "../fs/fs-error.ts";
import { readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import { decodeUtf8, problemLine } from "../fs/utf8-text.ts";
import { MANIFEST_FILE, MANIFEST_MAX_BYTES, PluginManifestError, parsePluginManifest } from "./manifest.ts";

/** One usable plugin command, with everything needed to run it. JSON-serialisable. */
export interface PluginCommandSpec {
  plugin: string;
  name: string;
  summary: string;
  usage: string;
  /** The manifest's `plannerAllowed`: a request, granted only by the operator (see plugins/trust.ts). */
  plannerRequested: boolean;
  /** Absolute path of the executable. */
  exec: string;
  /** The plugin folder (the command's working directory). */
  dir: string;
  timeoutMs: number;
}

export interface DiscoveredPlugin {
  name: string;
  version: string;
  description: string;
  dir: string;
  manifest: string;
  /** Names of this plugin's commands that are usable (see PluginDiscovery.problems for the rest). */
  commands: string[];
}

export interface PluginDiscovery {
  /** The folders searched for `*\/plugin.yml`, in order. */
  folders: string[];
  plugins: DiscoveredPlugin[];
  /** Usable commands; a name appears once (the first plugin found wins). */
  commands: PluginCommandSpec[];
  /** One line each: bad manifests (file:line:col), duplicates, missing executables. */
  problems: string[];
}

/**
 * Finds plugins in each folder's immediate subfolders. Nothing here is fatal: whatever cannot be
 * used is left out and described in `problems`.
 */
export function discoverPlugins(
  folders: readonly string[],
  defaultTimeoutMs: number,
  cwd: string = process.cwd(),
): PluginDiscovery {
  const unique = [...new Set(folders.map((folder) => resolve(cwd, folder)))];
  const found: PluginDiscovery = { folders: unique, plugins: [], commands: [], problems: [] };
  const owners = new Map<string, string>();

  for (const { folder, manifest } of unique.flatMap((folder) => manifestsIn(folder, found.problems))) {
    const dir = resolve(manifest, "..");
    let parsed: ReturnType<typeof parsePluginManifest>;
    try {
      // A manifest that is (or was swapped for) a link out of its plugin folder is never read.
      const bytes = readFileInside(manifest, {
        root: folder,
        maxBytes: MANIFEST_MAX_BYTES,
        rootName: `the plugin folder ${displayPath(folder, cwd)}`,
      });
      parsed = parsePluginManifest(manifest, decodeUtf8(manifest, bytes), cwd);
    } catch (error) {
      if (error instanceof PluginManifestError) found.problems.push(...error.problems);
      else if (error instanceof UnsafeFileError)
        found.problems.push(`${displayPath(manifest, cwd)}:${problemLine(error)}:1 (file): ${error.reason}`);
      else throw error;
      continue;
    }
    const earlier = found.plugins.find((p) => p.name === parsed.name);
    if (earlier) {
      found.problems.push(
        `plugin ${parsed.name} in ${displayPath(dir, cwd)} ignored: already found in ${displayPath(earlier.dir, cwd)}`,
      );
      continue;
    }
    const plugin: DiscoveredPlugin = {
      name: parsed.name,
      version: parsed.version,
      description: parsed.description,
      dir,
      manifest,
      commands: [],
    };
    found.plugins.push(plugin);
    for (const command of parsed.commands) {
      const owner = owners.get(command.name);
      if (owner !== undefined) {
        const whose = owner === plugin.name ? "an earlier command of the same plugin" : `plugin ${owner}`;
        found.problems.push(
          `plugin ${plugin.name} command ${command.name} ignored: the name is taken by ${whose}`,
        );
        continue;
      }
      const exec = join(dir, command.exec);
      const unusable = executableProblem(exec);
      if (unusable) {
        found.problems.push(
          `plugin ${plugin.name} command ${command.name}: ${unusable}: ${displayPath(exec, cwd)}`,
        );
        continue;
      }
      owners.set(command.name, plugin.name);
      plugin.commands.push(command.name);
      found.commands.push({
        plugin: plugin.name,
        name: command.name,
        summary: command.summary,
        usage: command.usage,
        plannerRequested: command.plannerAllowed,
        exec,
        dir,
        timeoutMs: command.timeoutMs ?? defaultTimeoutMs,
      });
    }
  }
  return found;
}

/** `folder/*\/plugin.yml`, sorted by plugin folder name. A missing folder simply has none. */
function manifestsIn(folder: string, problems: string[]): { folder: string; manifest: string }[] {
  let names: string[];
  try {
    names = readdirSync(folder).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      problems.push(`cannot list plugin folder ${folder}: ${describeFsError(error)}`);
    return [];
  }
  return names
    .filter((name) => !name.startsWith("."))
    .map((name) => join(folder, name, MANIFEST_FILE))
    .filter((manifest) => {
      try {
        return statSync(manifest).isFile();
      } catch {
        return false;
      }
    })
    .map((manifest) => ({ folder, manifest }));
}

function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return "executable is not a file";
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "executable not found";
    if (code === "EACCES") return "executable is not executable (chmod +x)";
    return `executable unusable (${describeFsError(error)})`;
  }
}
