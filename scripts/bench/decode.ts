import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { LlamaBridge } from "../../src/llm/bridge.ts";
import { banEndOfGeneration, holdTokens, openBridge, type Sampling, sampleTokens } from "./llm-model.ts";
import { timed } from "./llm-timing.ts";
import { median, round } from "./stats.ts";
import { type BenchSettings, check, type Section } from "./types.ts";

/**
 * Decode speed: tokens/s through Ember's bridge (`LlamaBridge.generate`) against node-llama-cpp's
 * own sequence iterator, same prompt, sampling and token count. Both drive the very same context
 * (model, threads, context size, thread pool), one after the other: the only difference is
 * Ember's code around each token. Only the generation is timed: both sides hold the prompt (but
 * its last token) before the clock starts.
 */

const PROMPT = "Describe the checks an operator runs on the radio relay before a night shift.";
/** Ember's default sampling (config/system.yml), with a fixed seed so runs repeat. */
const SAMPLING = { temperature: 0.2, topP: 0.9, seed: 1 };
/** Untimed tokens generated once on each side first, so neither pays first-use costs in the clock. */
const WARM_UP_TOKENS = 4;
const TARGET = 0.98;

interface Measured {
  tokens: number;
  ms: number;
  tokensPerSecond: number;
}

interface Side {
  name: "bridge" | "direct";
  /** Generates `count` tokens after the prompt; returns the tokens and the milliseconds it took. */
  run(count: number): Promise<{ tokens: Token[]; ms: number }>;
}

export const decode: Section = async (ctx) => {
  const { settings } = ctx;
  const count = settings.sizes.decodeTokens;
  const bridge = await openBridge(settings);
  try {
    const prompt = bridge.renderChat([{ type: "user", text: PROMPT }]);
    if (prompt.length + count + WARM_UP_TOKENS > settings.contextSize)
      throw new RangeError(
        `decode: ${prompt.length} prompt tokens and ${count} generated do not fit a context of ${settings.contextSize}`,
      );
    const sides = [bridgeSide(bridge, prompt), directSide(bridge.sequence, prompt)];
    for (const side of sides) await side.run(WARM_UP_TOKENS);

    const runs: Record<Side["name"], Measured>[] = [];
    for (let rep = 0; rep < settings.repetitions; rep++) {
      const run: Partial<Record<Side["name"], Measured>> = {};
      // Alternate which side goes first, so neither always runs on a cooler (or warmer) machine.
      for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
        const { tokens, ms } = await side.run(count);
        if (tokens.length !== count)
          throw new Error(`decode: the ${side.name} side generated ${tokens.length} of ${count} tokens`);
        run[side.name] = {
          tokens: tokens.length,
          ms: round(ms, 1),
          tokensPerSecond: round(tokens.length / (ms / 1000), 2),
        };
      }
      const { bridge: b, direct: d } = run as Record<Side["name"], Measured>;
      runs.push({ bridge: b, direct: d });
      ctx.log(
        `decode ${rep + 1}/${settings.repetitions}: bridge ${b.tokensPerSecond.toFixed(1)} tok/s, direct ${d.tokensPerSecond.toFixed(1)} tok/s`,
      );
    }
    const bridgeTokensPerSecond = median(runs.map((r) => r.bridge.tokensPerSecond));
    const directTokensPerSecond = median(runs.map((r) => r.direct.tokensPerSecond));
    const result = {
      bridgeTokensPerSecond: round(bridgeTokensPerSecond, 2),
      directTokensPerSecond: round(directTokensPerSecond, 2),
      tokens: count,
      promptTokens: prompt.length,
      runs,
      ...check(bridgeTokensPerSecond / directTokensPerSecond, TARGET, ">="),
    };
    return {
      result,
      rows: [
        {
          section: "decode",
          figure: "tokens/s, Ember's bridge vs node-llama-cpp",
          value: `${bridgeTokensPerSecond.toFixed(1)} tok/s vs ${directTokensPerSecond.toFixed(1)} tok/s (${count} tokens, ${describeRuns(settings)})`,
          check: check(result.ratio, TARGET, ">="),
        },
      ],
    };
  } finally {
    await bridge.dispose();
  }
};

function bridgeSide(bridge: LlamaBridge, prompt: Token[]): Side {
  const tokenBias = banEndOfGeneration(bridge.model);
  return {
    name: "bridge",
    async run(count) {
      await bridge.evaluate(prompt, undefined, 1);
      const { value, ms } = await timed(() =>
        bridge.generate(prompt, { maxTokens: count, ...SAMPLING, tokenBias }),
      );
      return { tokens: value.tokens, ms };
    },
  };
}

function directSide(sequence: LlamaContextSequence, prompt: Token[]): Side {
  const sampling: Sampling = { ...SAMPLING, tokenBias: banEndOfGeneration(sequence.model) };
  return {
    name: "direct",
    async run(count) {
      await holdTokens(sequence, prompt.slice(0, -1));
      const { value, ms } = await timed(() => sampleTokens(sequence, prompt.at(-1)!, sampling, count));
      return { tokens: value.tokens, ms };
    },
  };
}

function describeRuns(settings: BenchSettings): string {
  return settings.repetitions === 1 ? "one run" : `median of ${settings.repetitions}`;
}
