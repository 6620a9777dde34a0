/** The sections of `make bench`, in the order they run and appear in results.json. */
import type { SectionEntry } from "./harness.ts";
import { isolated } from "./isolate.ts";
import type { Section } from "./types.ts";

export const SECTION_NAMES = [
  "decode",
  "turn",
  "ttfa",
  "restart",
  "startup",
  "engine",
  "vault",
  "sizes",
] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** The sections that run the bench model, so the harness writes it (once, cached) before them. */
export const MODEL_SECTIONS: ReadonlySet<SectionName> = new Set([
  "decode",
  "turn",
  "ttfa",
  "restart",
  "startup",
  "engine",
]);

export function isSectionName(name: string): name is SectionName {
  return (SECTION_NAMES as readonly string[]).includes(name);
}

/** Each section's code, loaded only in the process that runs it. */
export const SECTION_LOADERS: Record<SectionName, () => Promise<Section>> = {
  decode: async () => (await import("./decode.ts")).decode,
  turn: async () => (await import("./turn.ts")).turn,
  ttfa: async () => (await import("./ttfa.ts")).ttfa,
  restart: async () => (await import("./restart.ts")).restart,
  startup: async () => (await import("./startup.ts")).startup,
  engine: async () => (await import("./engine.ts")).engine,
  vault: async () => (await import("./vault.ts")).vault,
  sizes: async () => (await import("./sizes.ts")).sizes,
};

/** Every section runs in a process of its own (scripts/bench/worker.ts), limited to `timeoutMs`. */
export function sectionEntries(names: readonly SectionName[], timeoutMs: number): SectionEntry[] {
  return names.map((name) => ({ name, load: async () => isolated(name, timeoutMs) }));
}
