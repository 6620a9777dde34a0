import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { updateIndex } from "../../src/vault/index.ts";
import type { BenchContext } from "./types.ts";

/**
 * The vault the turn and restart sections ask their questions in: generated field-manual pages
 * (scripts/make-vault.ts), indexed, with Ember's grounding budgets set to the preamble size: core
 * documents up to `sizes.preambleTokens`, and at most as many tokens of excerpts per question.
 */

/** Enough pages that every question below finds more excerpts than the budget takes. */
const VAULT_PAGES = 200;
const VAULT_SEED = 1;

/** The operator's questions, in the vocabulary of the generated pages so retrieval finds excerpts. */
const QUESTIONS = [
  "How do I check the antenna and the radio channel before the relay handover?",
  "What does the generator maintenance checklist say about the fuel filter and the pump?",
  "Which battery and solar panel checks should the night patrol run?",
  "How is water treatment done at the outpost when the purifier fails?",
  "What is the evacuation plan if a storm hits the camp?",
  "How do we keep the satellite uplink working in snow?",
] as const;

export function question(turn: number): string {
  return QUESTIONS[(turn - 1) % QUESTIONS.length]!;
}

export interface LlmVault {
  dir: string;
  /**
   * Ember's environment for this vault and the run's model, threads and context size: this
   * process's own, without any Ember or llama variable it may carry (an operator's shell's).
   */
  env: Record<string, string>;
}

/**
 * `grounding: "preamble"` sets the budgets to the preamble size (the turn and restart sections);
 * "defaults" leaves Ember's own (the ttfa section: what an operator gets).
 */
export async function makeLlmVault(
  ctx: BenchContext,
  name: string,
  grounding: "preamble" | "defaults" = "preamble",
): Promise<LlmVault> {
  const { settings } = ctx;
  const dir = join(ctx.workDir, name);
  const made = Bun.spawnSync(
    [
      process.execPath,
      join(ctx.root, "scripts", "make-vault.ts"),
      dir,
      "--files",
      String(VAULT_PAGES),
      "--seed",
      String(VAULT_SEED),
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if (made.exitCode !== 0) throw new Error(`make-vault failed: ${made.stderr.toString().trim()}`);
  mkdirSync(join(dir, "config"), { recursive: true });
  if (grounding === "preamble")
    writeFileSync(
      join(dir, "config", "bench.yml"),
      `# The benchmark's grounding: core documents up to the preamble size, and at most as many\n# tokens of excerpts per turn (fewer when fewer are relevant or new).\ngrounding:\n  coreTokens: ${settings.sizes.preambleTokens}\n  turnTokens: ${settings.sizes.preambleTokens}\n`,
    );
  await updateIndex(dir);
  return {
    dir,
    env: {
      ...inheritedEnv(),
      VAULT_DIR: dir,
      // Only the defaults and this vault's config: nothing from the machine's /etc/ember.
      EMBER_SYSTEM_CONFIG: "/nonexistent",
      LLAMA_CPP_MODEL: settings.model.path,
      LLAMA_CPP_THREADS: String(settings.threads),
      LLAMA_CPP_CONTEXT: String(settings.contextSize),
      // A loaded machine is slow, not broken: the benchmark measures turns, it does not time them out.
      LLAMA_CPP_TIMEOUT: "3600",
    },
  };
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith("LLAMA_") && !key.startsWith("EMBER_")) env[key] = value;
  return env;
}
