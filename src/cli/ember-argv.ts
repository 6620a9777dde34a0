import { isCompiled } from "../os/compiled.ts";

/** How to run this same Ember again: the binary itself, or `bun src/main.ts` from a checkout. */
export function emberArgv(): string[] {
  return isCompiled() ? [process.execPath] : [process.execPath, Bun.main];
}

/** One POSIX-shell word that stays exactly `word`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
