import { CHATML_END, CHATML_START } from "./chatml.ts";

/** llama.cpp's token types (llama_token_type); the numbers are stored in the file. */
export enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  Byte = 6,
}

/** A SentencePiece ("llama") vocabulary as GGUF stores it. */
export interface SpmVocab {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly types: readonly TokenType[];
  readonly unknownId: number;
  readonly bosId: number;
  /** `<|im_end|>`: generation stops where a ChatML turn ends. */
  readonly eosId: number;
}

export interface SpmVocabOptions {
  /** Whole words to give their own tokens (with and without a leading space). */
  readonly words: readonly string[];
  /** Pad with unreachable filler tokens up to this many tokens (a real model's vocab size). */
  readonly size?: number;
}

export class VocabSizeError extends Error {
  override name = "VocabSizeError";
}

/** SentencePiece writes a space as U+2581 inside tokens. */
const SPACE = "\u2581";

/**
 * Builds a byte-fallback SentencePiece vocabulary: every byte has a `<0xXX>` token, so any text
 * round-trips, and printable ASCII plus the words' prefixes let common text use fewer tokens.
 * llama.cpp's SPM tokenizer only merges two adjacent pieces when their concatenation is a token,
 * so each word brings every prefix of itself; longer pieces score higher and merge first.
 */
export function buildSpmVocab(options: SpmVocabOptions): SpmVocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: TokenType[] = [];
  const seen = new Set<string>();
  const add = (text: string, type: TokenType, score: number): number => {
    if (seen.has(text)) return -1;
    seen.add(text);
    tokens.push(text);
    scores.push(score);
    types.push(type);
    return tokens.length - 1;
  };

  const unknownId = add("<unk>", TokenType.Unknown, 0);
  const bosId = add("<s>", TokenType.Control, 0);
  add("</s>", TokenType.Control, 0);
  add(CHATML_START, TokenType.Control, 0);
  const eosId = add(CHATML_END, TokenType.Control, 0);
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, TokenType.Byte, 0);
  }
  add(SPACE, TokenType.Normal, -1);
  for (let code = 0x21; code < 0x7f; code++) add(String.fromCharCode(code), TokenType.Normal, -1);
  for (const word of options.words) {
    for (const form of [word, SPACE + word]) {
      for (let length = 2; length <= form.length; length++) {
        add(form.slice(0, length), TokenType.Normal, length);
      }
    }
  }

  if (options.size !== undefined) {
    if (options.size < tokens.length) {
      throw new VocabSizeError(
        `vocab size ${options.size} is smaller than the ${tokens.length} tokens it needs`,
      );
    }
    // Their prefixes are not tokens, so the tokenizer can never produce them; a model may still
    // sample one, and it then reads as a made-up word.
    for (let id = tokens.length; id < options.size; id++) add(`${SPACE}filler${id}`, TokenType.Normal, -2);
  }
  return { tokens, scores, types, unknownId, bosId, eosId };
}
