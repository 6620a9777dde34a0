import { homedir } from "node:os";
import { isAbsolute, relative, resolve } from "node:path";

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
