import { homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";

/** Expands a leading `~` and makes the path absolute against `base`. */
export function expandPath(path: string, base: string = process.cwd(), home: string = homedir()): string {
  const expanded = path === "~" ? home : path.startsWith("~/") ? `${home}${path.slice(1)}` : path;
  return resolve(base, expanded);
}

/** How a file is named in messages: relative to the working directory when it is inside it. */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/**
 * The vault when nothing but the built-in default names one: under $XDG_DATA_HOME when that is
 * set to an absolute path (the XDG base directory rule), else undefined (the default's
 * ~/.local/share/ember/vault, which is where XDG puts data when the variable is unset).
 */
export function xdgVaultDir(env: Record<string, string | undefined>): string | undefined {
  const base = env.XDG_DATA_HOME;
  return base && isAbsolute(base) ? join(base, "ember", "vault") : undefined;
}
