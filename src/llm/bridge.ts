import {
  type ChatHistoryItem,
  type ChatWrapper,
  InsufficientMemoryError,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  LlamaGrammarEvaluationState,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
  type TokenBias,
} from "node-llama-cpp";
import { ContextOverflowError, LlamaRuntimeError, ModelFileError, ModelMemoryError } from "./errors.ts";
import { takeForced } from "./grammar-feed.ts";
import { type ModelInfo, readModelInfo } from "./model-info.ts";
import { listenToNativeLog, loadLlama } from "./native.ts";

/**
 * Ember's one model, one context and one sequence, driven token by token.
 *
 * Every evaluation first keeps the longest common token prefix between what the sequence already
 * holds and the new prompt, erases only the rest, and evaluates only the new tokens; so a prompt
 * that shares its beginning with the previous one costs only its new part. The counts returned are
 * exactly the tokens handed to llama.cpp, which is how the "never twice" claim is checked.
 */

/**
 * Prompt tokens are evaluated in slices so an abort (Ctrl-C) takes effect between slices. Small
 * slices cost throughput (each one rereads the whole KV cache: on a 1B model, 64-token slices
 * prefilled at 75-97 tok/s where one call did 123-129), so each slice is sized from the last one's
 * speed to take about PREFILL_SLICE_SECONDS: Ctrl-C waits at most about that long.
 */
const PREFILL_SLICE_SECONDS = 1;
const MIN_PREFILL_SLICE = 64;
const MAX_PREFILL_SLICE = 512;
const FIRST_PREFILL_SLICE = 128;

export interface BridgeOptions {
  /**
   * Also gets llama.cpp's own error lines while the model loads (a model llama.cpp refuses after
   * Ember's GGUF checks passed). They never reach the terminal: the display is Ember's alone.
   */
  onNativeLog?: (message: string) => void;
  modelPath: string;
  threads: number;
  contextSize: number;
  /** config `runtime.dir`, for the compiled binary's unpacked addon. */
  runtimeDir?: string;
  /** An already loaded llama (tests share one per process). */
  llama?: Llama;
}

/** How a prompt met the sequence: tokens found already evaluated, and tokens evaluated now. */
export interface EvaluationCount {
  promptTokens: number;
  reusedTokens: number;
  evaluatedTokens: number;
}

export interface GenerateOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  grammar?: LlamaGrammar;
  tokenBias?: TokenBias;
  signal?: AbortSignal;
  /** Each piece of text as it is generated (never a split UTF-8 character). */
  onText?: (text: string) => void;
  /** Stop as soon as the text so far is complete (a grammar's whole JSON object). */
  isComplete?: (text: string) => boolean;
  /**
   * The text that must follow the text so far (what the grammar admits as the only way on);
   * it is added as tokens evaluated in one batch with the last sampled one, not decoded one by
   * one. Needs `grammar`, which is moved past it too.
   */
  forced?: (text: string) => string;
}

export type StopReason = "eog" | "stopTrigger" | "complete" | "maxTokens" | "aborted";

export interface Generation extends EvaluationCount {
  text: string;
  /** The tokens that make up `text`, as generated or forced (stop-trigger tokens left out). */
  tokens: Token[];
  /** Decode steps: tokens sampled one at a time (forced ones are not). */
  generatedTokens: number;
  /** Tokens of forced text among `tokens`... */
  forcedTokens: number;
  /** ...and those of them evaluated already (the ones that end the text wait, as the last sampled one does). */
  forcedEvaluated: number;
  /** How many decode steps had been taken when the first text was shown (0: none was). */
  firstTextAfter: number;
  stopReason: StopReason;
}

/** Length of the common prefix of two token lists. */
export function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

async function getLlamaFor(options: BridgeOptions): Promise<Llama> {
  if (options.llama) return options.llama;
  try {
    return await loadLlama(options.runtimeDir ? { runtimeDir: options.runtimeDir } : {});
  } catch (error) {
    throw new LlamaRuntimeError((error as Error).message.split("\n")[0] ?? String(error), { cause: error });
  }
}

/** The slice that takes about PREFILL_SLICE_SECONDS at the speed just measured. */
export function nextPrefillSlice(tokens: number, ms: number, current: number): number {
  // A short last slice says little about the speed: keep the size.
  if (tokens < current || ms <= 0) return current;
  const fitting = Math.floor((tokens / ms) * 1000 * PREFILL_SLICE_SECONDS);
  return Math.min(MAX_PREFILL_SLICE, Math.max(MIN_PREFILL_SLICE, fitting));
}

export class LlamaBridge {
  readonly info: ModelInfo;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly sequence: LlamaContextSequence;
  readonly chatWrapper: ChatWrapper;
  readonly threads: number;
  readonly #stopTriggers: { tokens: Token[]; text: string }[];
  /** Carried between prompts: the machine's prefill speed does not change between turns. */
  #prefillSlice = FIRST_PREFILL_SLICE;

  private constructor(info: ModelInfo, model: LlamaModel, context: LlamaContext, threads: number) {
    this.info = info;
    this.model = model;
    this.context = context;
    this.threads = threads;
    // No context shift: a shift would silently drop the start of the prompt; overflow is checked instead.
    this.sequence = context.getSequence({ contextShift: { size: 0 } });
    this.chatWrapper = resolveChatWrapper(model);
    // The template's stop triggers do not depend on the messages: an empty chat tells them.
    const { stopGenerationTriggers } = this.chatWrapper.generateContextState({
      chatHistory: [
        { type: "user", text: "" },
        { type: "model", response: [] },
      ],
    });
    this.#stopTriggers = stopGenerationTriggers.map((trigger) => ({
      tokens: trigger.tokenize(model.tokenizer, "trimLeadingSpace"),
      text: trigger.values.every((v) => typeof v === "string") ? trigger.values.join("") : "",
    }));
  }

  /**
   * Loads the model (memory-mapped) and creates its context. Failures become ModelFileError,
   * ModelMemoryError or LlamaRuntimeError with a one-line message.
   */
  static async open(options: BridgeOptions): Promise<LlamaBridge> {
    const info = await readModelInfo(options.modelPath);
    const llama = await getLlamaFor(options);
    // llama.cpp says why it refuses a model only in its log: keep what it says while loading.
    const loadLog: string[] = [];
    const stopListening = listenToNativeLog((message) => {
      loadLog.push(message.trim());
      options.onNativeLog?.(message);
    });
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: options.modelPath, useMmap: true });
    } catch (error) {
      if (error instanceof InsufficientMemoryError)
        throw new ModelMemoryError(options.modelPath, error.message, { cause: error });
      // The addon hands log lines to JavaScript asynchronously: let those of this load arrive.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const reason = loadLog.map((line) => /error loading model: (.+)$/.exec(line)?.[1]).find(Boolean);
      throw new ModelFileError(
        options.modelPath,
        `llama.cpp cannot load it (${reason ?? (error as Error).message})`,
        { cause: error },
      );
    } finally {
      stopListening();
    }
    try {
      const context = await model.createContext({
        contextSize: options.contextSize,
        threads: options.threads,
        sequences: 1,
      });
      return new LlamaBridge(info, model, context, options.threads);
    } catch (error) {
      await model.dispose();
      const detail = (error as Error).message;
      if (error instanceof InsufficientMemoryError || /memory|alloc/i.test(detail))
        throw new ModelMemoryError(options.modelPath, `context of ${options.contextSize} tokens: ${detail}`, {
          cause: error,
        });
      throw new LlamaRuntimeError(`cannot create a context: ${detail}`, { cause: error });
    }
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  /** The tokens the sequence holds evaluated right now. */
  get contextTokens(): Token[] {
    return this.sequence.contextTokens;
  }

  countTokens(text: string): number {
    return this.model.tokenize(text).length;
  }

  /**
   * The model's own chat template applied to `messages`, ending with an opened model turn,
   * as tokens. Message text is tokenized as plain text, so it cannot smuggle in special tokens.
   */
  renderChat(messages: readonly ChatHistoryItem[]): Token[] {
    const state = this.chatWrapper.generateContextState({
      chatHistory: [...messages, { type: "model", response: [] }],
    });
    return state.contextText.tokenize(this.model.tokenizer);
  }

  /**
   * Makes the sequence hold exactly `tokens` (up to `keep` short of the end, so a generation has a
   * last token to evaluate): keeps the common prefix, erases the rest, evaluates the new tokens.
   */
  async evaluate(tokens: readonly Token[], signal?: AbortSignal, holdBack = 0): Promise<EvaluationCount> {
    const target = tokens.slice(0, tokens.length - holdBack);
    let reused = Math.min(commonPrefixLength(this.sequence.contextTokens, target), target.length);
    let evaluated = 0;
    if (reused < this.sequence.nextTokenIndex) {
      const before = this.sequence.tokenMeter.usedInputTokens;
      await this.sequence.eraseContextTokenRanges([{ start: reused, end: this.sequence.nextTokenIndex }]);
      // A cache that cannot drop its tail (SWA models) re-evaluates what it keeps: count that too.
      const redone = this.sequence.tokenMeter.usedInputTokens - before;
      evaluated += redone;
      reused = Math.max(0, reused - redone);
    }
    const fresh = target.slice(this.sequence.nextTokenIndex);
    let slice = this.#prefillSlice;
    for (let i = 0; i < fresh.length; ) {
      signal?.throwIfAborted();
      const part = fresh.slice(i, i + slice);
      const started = performance.now();
      await this.sequence.evaluateWithoutGeneratingNewTokens(part);
      i += part.length;
      slice = nextPrefillSlice(part.length, performance.now() - started, slice);
    }
    this.#prefillSlice = slice;
    evaluated += fresh.length;
    return { promptTokens: target.length, reusedTokens: reused, evaluatedTokens: evaluated };
  }

  /**
   * Generates a reply to `prompt` (rendered by `renderChat`), reusing whatever prefix the sequence
   * already holds. The caller's abort signal stops generation after the current token; the partial
   * text is returned with stopReason "aborted" (an abort during the prompt throws the signal's reason).
   */
  async generate(prompt: readonly Token[], options: GenerateOptions): Promise<Generation> {
    if (prompt.length === 0) throw new RangeError("cannot generate from an empty prompt");
    const needed = prompt.length + options.maxTokens;
    if (needed > this.contextSize) throw new ContextOverflowError(needed, this.contextSize);
    const { signal } = options;
    const prefill = await this.evaluate(prompt, signal, 1);
    signal?.throwIfAborted();
    const counts: EvaluationCount = {
      promptTokens: prompt.length,
      reusedTokens: prefill.reusedTokens,
      evaluatedTokens: prefill.evaluatedTokens + 1,
    };

    const grammarEvaluationState = options.grammar
      ? new LlamaGrammarEvaluationState({ model: this.model, grammar: options.grammar })
      : undefined;
    const generated: Token[] = [];
    let text = "";
    let shown = 0;
    let firstTextAfter = 0;
    let forcedTokens = 0;
    let forcedEvaluated = 0;
    let stopReason: StopReason = "eog";
    const iterator = this.sequence.evaluate([prompt[prompt.length - 1]!], {
      temperature: options.temperature,
      topP: options.topP,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(grammarEvaluationState ? { grammarEvaluationState } : {}),
      ...(options.tokenBias ? { tokenBias: options.tokenBias } : {}),
    });
    const decoded = () => generated.length - forcedTokens;
    try {
      // The generator evaluates the token it yielded unless `next` hands it others instead: the
      // sampled token with forced ones after it, in one batch.
      let step = await iterator.next();
      while (!step.done) {
        const token = step.value;
        if (signal?.aborted) {
          stopReason = "aborted";
          break;
        }
        generated.push(token);
        const forced =
          options.forced && grammarEvaluationState
            ? takeForced(this.model, grammarEvaluationState, generated, options.forced)
            : [];
        generated.push(...forced);
        forcedTokens += forced.length;
        text = this.model.detokenize(generated);
        const trigger = this.#triggered(generated, text);
        if (trigger !== undefined) {
          text = trigger;
          while (generated.length > 0 && this.model.detokenize(generated).length > text.length)
            generated.pop();
          forcedTokens = Math.min(forcedTokens, generated.length);
          stopReason = "stopTrigger";
          break;
        }
        // A character split across tokens shows up once it is whole.
        if (!text.endsWith("\uFFFD") && text.length > shown) {
          if (shown === 0) firstTextAfter = decoded();
          options.onText?.(text.slice(shown));
          shown = text.length;
        }
        if (options.isComplete?.(text)) {
          stopReason = "complete";
          break;
        }
        if (generated.length >= options.maxTokens) {
          stopReason = "maxTokens";
          break;
        }
        step = await iterator.next(forced.length > 0 ? [token, ...forced] : undefined);
        forcedEvaluated += forced.length;
      }
    } finally {
      await iterator.return();
    }
    const rest = text.slice(shown).replace(/\uFFFD+$/, "");
    if (rest.length > 0) {
      if (shown === 0) firstTextAfter = decoded();
      options.onText?.(rest);
    }
    return {
      ...counts,
      text: text.replace(/\uFFFD+$/, ""),
      tokens: generated,
      generatedTokens: decoded(),
      forcedTokens,
      forcedEvaluated,
      firstTextAfter,
      stopReason,
    };
  }

  /** The text before a stop trigger the chat template defines, if the generation just produced one. */
  #triggered(generated: readonly Token[], text: string): string | undefined {
    for (const trigger of this.#stopTriggers) {
      if (trigger.text !== "") {
        const at = text.indexOf(trigger.text);
        if (at >= 0) return text.slice(0, at);
      }
      const n = trigger.tokens.length;
      if (
        n > 0 &&
        n <= generated.length &&
        trigger.tokens.every((t, i) => generated[generated.length - n + i] === t)
      )
        return this.model.detokenize(generated.slice(0, generated.length - n));
    }
    return undefined;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
