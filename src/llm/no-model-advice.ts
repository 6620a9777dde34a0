import { join, relative } from "node:path";
import { displayPath } from "../config/paths.ts";
import { checkoutRoot } from "../os/compiled.ts";

export interface NoModelAdviceOptions {
  /** `update.channel`: only with one can `ember model pull NAME` fetch anything. */
  updateChannel: string;
  cwd: string;
  /** The checkout Ember runs from (default: this one, or none in the binary). */
  checkout?: string | undefined;
}

/**
 * What to do when no model is found, limited to what works on this node: a .gguf file (every
 * node), `ember model pull` (only with an update channel), and the tiny test model (only in a
 * checkout, where the script is).
 */
export function noModelAdvice(options: NoModelAdviceOptions): string {
  const steps = ["put a .gguf file in one of them or set LLAMA_CPP_MODEL=/path/to/model.gguf"];
  if (options.updateChannel.trim() !== "") steps.push("run `ember model pull NAME` to fetch one");
  const checkout = "checkout" in options ? options.checkout : checkoutRoot();
  if (checkout) {
    const script = displayPath(join(checkout, "scripts", "make-tiny-model.ts"), options.cwd);
    const target = relative(options.cwd, join(options.cwd, "models", "tiny.gguf"));
    steps.push(`to try Ember without real weights, \`bun ${script} ${target}\` writes a tiny random one`);
  }
  return steps.join("; ");
}

/** "no model found; looked in A, B — ADVICE": the one line every "no model" place shows. */
export function noModelMessage(searched: readonly string[], advice: string, wanted?: string): string {
  const what = wanted ? `no model matches "${wanted}"` : "no model found";
  return `${what}; looked in ${searched.join(", ")} — ${advice}`;
}
