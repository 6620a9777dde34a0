import type { LlamaGrammarEvaluationState, LlamaModel, Token } from "node-llama-cpp";

/**
 * Moving a grammar past tokens it did not sample. A grammar-bound generation that adds forced
 * text (evaluated as a batch instead of decoded) must move its grammar past that text too, or the
 * next token would be sampled as if the text were not there. node-llama-cpp does exactly this for
 * its own LlamaChat (LlamaSampler._acceptTokenOnGrammarEvaluationState) but keeps it internal, so
 * it is reached here and nowhere else: package.json pins node-llama-cpp exactly, and
 * test/llm/grammar-feed.test.ts fails if these internals move.
 */

interface GrammarInternals {
  _state: unknown;
  _llama: {
    _bindings: {
      AddonSampler: {
        canBeNextTokenForGrammarEvaluationState(state: unknown, token: Token): boolean;
        acceptGrammarEvaluationStateToken(state: unknown, token: Token): void;
      };
    };
  };
}

/** Feeds `tokens` to `state` if it admits them all, in order; false (and `state` untouched) if not. */
export function feedGrammar(state: LlamaGrammarEvaluationState, tokens: readonly Token[]): boolean {
  const trial = state.clone() as unknown as GrammarInternals;
  const live = state as unknown as GrammarInternals;
  const sampler = live._llama._bindings.AddonSampler;
  for (const token of tokens) {
    if (!sampler.canBeNextTokenForGrammarEvaluationState(trial._state, token)) return false;
    sampler.acceptGrammarEvaluationStateToken(trial._state, token);
  }
  for (const token of tokens) sampler.acceptGrammarEvaluationStateToken(live._state, token);
  return true;
}

/**
 * The tokens of the text `forced` says must follow `generated`, fed to `state`: none when nothing
 * is forced, or when they would not reproduce the text exactly or the grammar refuses them (that
 * text is then decoded as usual).
 */
export function takeForced(
  model: LlamaModel,
  state: LlamaGrammarEvaluationState,
  generated: readonly Token[],
  forced: (text: string) => string,
): Token[] {
  const text = model.detokenize(generated);
  const more = text.endsWith("\uFFFD") ? "" : forced(text);
  if (more === "") return [];
  const tokens = model.tokenize(more, false, "trimLeadingSpace");
  if (model.detokenize([...generated, ...tokens]) !== text + more) return [];
  return feedGrammar(state, tokens) ? tokens : [];
}
