import { rmSync } from "node:fs";
import { join } from "node:path";
import { PREFIX_CACHE_DIR } from "../../src/llm/state-files.ts";
import { formatMs } from "./format.ts";
import { type AskRun, askFresh } from "./llm-ask.ts";
import { makeLlmVault, question } from "./llm-vault.ts";
import { median } from "./stats.ts";
import { check, type Section } from "./types.ts";

/**
 * Restart: time to the first answer token of a freshly started `ember ask` with its saved static
 * prefix (state/prefix-cache in the vault) against the same without it (the folder removed first).
 * Both are new processes asking the same question in the same vault, so each includes Bun's start,
 * the model load, the boot agents and index check, the prefix (loaded, or evaluated and saved), the
 * plan pass, the commands and the responder's first token.
 */

/** Cached time to first answer token at most this fraction of the uncached one. */
const TARGET = 0.2;
/** `ember ask` takes no seed: greedy sampling is what makes two processes' plans the same. */
const TEMPERATURE = 0;

export const restart: Section = async (ctx) => {
  const { settings } = ctx;
  const vault = await makeLlmVault(ctx, "restart-vault");
  const env = {
    ...vault.env,
    // Greedy: both processes make the same plan, so they run the same commands and answer alike.
    LLAMA_CPP_TEMPERATURE: String(TEMPERATURE),
    NO_COLOR: "1",
    // A restart is a process that loads the model itself: no engine to attach to or leave behind.
    EMBER_ENGINE: "off",
  };
  const asked = question(1);
  const ask = async (cached: boolean) => {
    if (!cached) rmSync(join(vault.dir, PREFIX_CACHE_DIR), { recursive: true, force: true });
    const run = await askFresh(ctx.root, vault.dir, env, asked);
    const expected = cached ? "disk" : "evaluated";
    if (run.prefix !== expected)
      throw new Error(
        `restart: a ${cached ? "cached" : "cold"} start found its prefix ${run.prefix}, not ${expected}`,
      );
    return run;
  };

  const runs = { cached: [] as AskRun[], cold: [] as AskRun[] };
  const pairs = restartPairs(settings.repetitions);
  for (let rep = 0; rep < pairs; rep++) {
    // The cold start saves the prefix the cached one loads; alternate which goes first after the first pair.
    for (const cached of rep % 2 === 0 ? [false, true] : [true, false]) {
      const run = await ask(cached);
      (cached ? runs.cached : runs.cold).push(run);
      ctx.log(
        `restart ${rep + 1}/${pairs} ${cached ? "with" : "without"} the saved prefix: first answer token after ${formatMs(run.firstAnswerMs)} (prefix ${formatMs(run.prefixMs)})`,
      );
    }
  }
  const cachedMs = median(runs.cached.map((r) => r.firstAnswerMs));
  const coldMs = median(runs.cold.map((r) => r.firstAnswerMs));
  const result = {
    question: asked,
    temperature: TEMPERATURE,
    cachedFirstTokenMs: cachedMs,
    coldFirstTokenMs: coldMs,
    staticTokens: runs.cold[0]!.staticTokens,
    cached: summarize(runs.cached),
    cold: summarize(runs.cold),
    runs,
    ...check(cachedMs / coldMs, TARGET, "<="),
  };
  const [withCache, without] = [result.cached, result.cold];
  return {
    result,
    rows: [
      {
        section: "restart",
        figure: "first answer token, saved prefix vs none",
        value: `${formatMs(cachedMs)} vs ${formatMs(coldMs)} (${result.staticTokens}-token prefix loaded in ${formatMs(withCache.prefixMs)} vs evaluated and saved in ${formatMs(without.prefixMs)})`,
        check: check(result.ratio, TARGET, "<="),
      },
      {
        section: "restart",
        figure: "where the cached start's time goes",
        value: `start ${formatMs(withCache.startedMs)}, model ready ${formatMs(withCache.modelReadyMs)}, turn begins ${formatMs(withCache.turnStartMs)}, prefix ${formatMs(withCache.prefixMs)}, plan ${formatMs(withCache.planMs)}, commands ${formatMs(withCache.actMs)}, answer starts ${formatMs(withCache.answerStartMs)}`,
      },
    ],
  };
};

/**
 * Pairs of starts (one cold, one cached): half the repetitions, at least one. Each start is a whole
 * process with a model load and a first turn, half a minute on the 1B model on two cores.
 */
function restartPairs(repetitions: number): number {
  return Math.max(1, Math.floor(repetitions / 2));
}

/** The median of each figure over the runs. */
function summarize(runs: readonly AskRun[]): Omit<AskRun, "prefix"> {
  const of = (key: Exclude<keyof AskRun, "prefix">) => median(runs.map((r) => r[key]));
  return {
    firstAnswerMs: of("firstAnswerMs"),
    startedMs: of("startedMs"),
    modelReadyMs: of("modelReadyMs"),
    turnStartMs: of("turnStartMs"),
    prefixMs: of("prefixMs"),
    staticTokens: of("staticTokens"),
    planMs: of("planMs"),
    actMs: of("actMs"),
    answerStartMs: of("answerStartMs"),
    evaluatedTokens: of("evaluatedTokens"),
  };
}
