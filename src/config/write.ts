import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { type Document, parseDocument, parse as parseYamlValue } from "yaml";
import { writeFileAtomic } from "../fs/atomic-write.ts";
import { withFileLock } from "../fs/file-lock.ts";
import { readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import { decodeUtf8 } from "../fs/utf8-text.ts";
import { closestMatch } from "../text/closest-match.ts";
import { issueText } from "./issue-text.ts";
import { CONFIG_MAX_BYTES, type LoadedConfig, OVERRIDE_FILE_NAME } from "./load.ts";
import { parseLocatedYaml } from "./locate.ts";
import { ConfigSchema } from "./schema.ts";
import { cloneTree, getPath, hasPath, isTree, leaves, setPath, type Tree } from "./tree.ts";

export class ConfigWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigWriteError";
  }
}

/** The dotted keys an operator may read and set. */
export function configKeys(loaded: LoadedConfig): string[] {
  return leaves(loaded.config as unknown as Tree).map(([p]) => p.join("."));
}

/**
 * Sets one key in the vault's override file. The value is read as YAML (`64`, `true`, `[a, b]`),
 * checked against the schema together with the rest of the effective config, and only then written
 * (atomically, comments in the file kept). Returns the file written and the old and new values.
 */
export function setConfigValue(
  loaded: LoadedConfig,
  key: string,
  rawValue: string,
): { file: string; previous: unknown; value: unknown } {
  const keys = configKeys(loaded);
  if (!keys.includes(key)) {
    const hint = closestMatch(key, keys);
    throw new ConfigWriteError(`unknown key ${key}${hint ? ` — did you mean ${hint}?` : ""}`);
  }
  if (key === "vault.path")
    throw new ConfigWriteError("vault.path cannot be set inside the vault; use VAULT_DIR");
  let value: unknown;
  try {
    value = parseYamlValue(rawValue);
  } catch (error) {
    throw new ConfigWriteError(`${key}: cannot read value: ${(error as Error).message.split("\n")[0]}`);
  }
  const file = setConfigValues(loaded, [[key, value]]);
  return { file, previous: getPath(loaded.config, key.split(".")), value };
}

/**
 * Sets several keys (values already parsed) in one write of the override file, after checking
 * them together against the schema: either all of them change or none. Returns the file.
 */
export function setConfigValues(loaded: LoadedConfig, entries: readonly [string, unknown][]): string {
  const candidate = cloneTree(loaded.config as unknown as Tree);
  for (const [key, value] of entries) setPath(candidate, key.split("."), value);
  const checked = v.safeParse(ConfigSchema, candidate);
  if (!checked.success) {
    const issue = checked.issues[0];
    const key = issue?.path?.map((p) => p.key).join(".") ?? entries[0]?.[0] ?? "";
    throw new ConfigWriteError(`${key}: ${issue ? issueText(issue) : "invalid value"}`);
  }

  const dir = join(loaded.vaultDir, "config");
  const file = join(dir, OVERRIDE_FILE_NAME);
  // Two REPLs on one vault: the file is read and replaced under a lock, so neither drops the
  // other's key.
  withFileLock(join(loaded.vaultDir, CONFIG_LOCK_FILE), () => {
    const doc = existsSync(file) ? readOverrideFile(file, loaded.vaultDir) : parseDocument("");
    if (!doc.contents)
      doc.commentBefore = " Written by `/config set`; sorts last in config/ so its values win.";
    for (const [key, value] of entries) doc.setIn(key.split("."), value);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, doc.toString());
  });
  return file;
}

/** Where the lock around writing the override file lives (state/, so config/ holds only YAML). */
const CONFIG_LOCK_FILE = join("state", "config.lock");

/** The override file as a document to edit; anything that keeps it from being one is refused. */
function readOverrideFile(file: string, vaultDir: string): Document {
  let text: string;
  try {
    text = decodeUtf8(file, readFileInside(file, { root: vaultDir, maxBytes: CONFIG_MAX_BYTES }));
  } catch (error) {
    if (error instanceof UnsafeFileError) throw new ConfigWriteError(`${file}: ${error.reason}`);
    throw error;
  }
  const { yaml, errors, data } = parseLocatedYaml(file, text);
  const first = errors[0];
  if (first) throw new ConfigWriteError(`${file}:${first.line}:${first.column}: ${first.message}`);
  if (!isTree(data ?? {})) throw new ConfigWriteError(`${file}: expected a mapping of config keys`);
  return yaml.doc;
}

export function hasConfigKey(loaded: LoadedConfig, key: string): boolean {
  return hasPath(loaded.config, key.split("."));
}
