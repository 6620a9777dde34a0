import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * True inside a `bun build --compile` executable: its modules live on Bun's virtual `/$bunfs/`.
 * From a checkout, `bun src/main.ts` runs the sources themselves.
 */
export function isCompiled(): boolean {
  return import.meta.path.startsWith("/$bunfs/");
}

/** The checkout this Ember runs from (the folder holding src/ and scripts/), or undefined in the binary. */
export function checkoutRoot(): string | undefined {
  if (isCompiled()) return undefined;
  const root = dirname(dirname(import.meta.dir));
  return existsSync(join(root, "scripts")) ? root : undefined;
}
