import { noModelMessage } from "./no-model-advice.ts";

/**
 * What can go wrong between Ember and the model, as classes callers match on. Every message is
 * one line an operator can act on: what happened, where, and what to do about it.
 */

/** The model layer's own failures; anything else reaching the operator is a bug. */
export class LlmError extends Error {
  override name = "LlmError";
}

/** No `.gguf` was found; says every place that was searched and what works on this node. */
export class ModelNotFoundError extends LlmError {
  override name = "ModelNotFoundError";
  constructor(
    readonly searched: readonly string[],
    readonly wanted: string | undefined,
    advice: string,
  ) {
    super(noModelMessage(searched, advice, wanted));
  }
}

/** The file is not a usable GGUF: unreadable, not GGUF at all, or cut short. */
export class ModelFileError extends LlmError {
  override name = "ModelFileError";
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`model ${path}: ${reason}`, options);
  }
}

/** The llama.cpp addon cannot be loaded on this machine (missing, or the CPU lacks what it needs). */
export class LlamaRuntimeError extends LlmError {
  override name = "LlamaRuntimeError";
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the llama.cpp runtime cannot start: ${detail}`, options);
  }
}

/** The model or its context does not fit in memory. */
export class ModelMemoryError extends LlmError {
  override name = "ModelMemoryError";
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `not enough memory for ${path} (${detail}); use a smaller model or lower llm.contextSize (LLAMA_CPP_CONTEXT)`,
      options,
    );
  }
}

/** A turn ran past `llm.timeoutSeconds`. */
export class LlmTimeoutError extends LlmError {
  override name = "LlmTimeoutError";
  constructor(readonly seconds: number) {
    super(
      `the model did not finish within ${seconds} s (llm.timeoutSeconds, LLAMA_CPP_TIMEOUT); the turn was stopped`,
    );
  }
}

/**
 * What a turn needs does not fit in the context window, even with every earlier turn erased.
 * `setting` names what the operator can change; the default fits any prompt that is too long.
 */
export class ContextOverflowError extends LlmError {
  override name = "ContextOverflowError";
  constructor(
    readonly needed: number,
    readonly contextSize: number,
    readonly setting = "raise llm.contextSize (LLAMA_CPP_CONTEXT) or lower llm.maxTokens (LLAMA_CPP_MAX_TOKENS)",
  ) {
    super(`the turn needs ${needed} tokens but the context holds ${contextSize}; ${setting}`);
  }
}

/** The model's plan is not the command list its grammar should have forced (a model or grammar bug). */
export class PlanParseError extends LlmError {
  override name = "PlanParseError";
}

/** A prompt template is malformed; names the file and line. */
export class PromptTemplateError extends LlmError {
  override name = "PromptTemplateError";
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}
