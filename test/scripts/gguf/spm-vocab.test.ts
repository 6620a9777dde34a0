import { describe, expect, test } from "bun:test";
import { CHATML_END, CHATML_START } from "../../../scripts/gguf/chatml.ts";
import { buildSpmVocab, TokenType, VocabSizeError } from "../../../scripts/gguf/spm-vocab.ts";

describe("buildSpmVocab", () => {
  const vocab = buildSpmVocab({ words: ["hello", "help"] });

  test("has unknown, BOS and ChatML control tokens, with <|im_end|> as EOS", () => {
    expect(vocab.tokens[vocab.unknownId]).toBe("<unk>");
    expect(vocab.tokens[vocab.bosId]).toBe("<s>");
    expect(vocab.tokens[vocab.eosId]).toBe(CHATML_END);
    expect(vocab.types[vocab.tokens.indexOf(CHATML_START)]).toBe(TokenType.Control);
    expect(vocab.types[vocab.eosId]).toBe(TokenType.Control);
  });

  test("has a byte-fallback token for every byte", () => {
    const bytes = vocab.tokens.filter((_, id) => vocab.types[id] === TokenType.Byte);
    expect(bytes.length).toBe(256);
    expect(bytes[0]).toBe("<0x00>");
    expect(bytes[0x0a]).toBe("<0x0A>");
    expect(bytes[255]).toBe("<0xFF>");
  });

  test("gives each word every prefix, with and without a leading space, longer scoring higher", () => {
    for (const piece of ["he", "hel", "hell", "hello", "help", "\u2581h", "\u2581hello", "\u2581help"]) {
      expect(vocab.tokens).toContain(piece);
    }
    const score = (piece: string) => vocab.scores[vocab.tokens.indexOf(piece)]!;
    expect(score("hello")).toBeGreaterThan(score("hell"));
    expect(new Set(vocab.tokens).size).toBe(vocab.tokens.length);
  });

  test("pads to a requested size with unique filler tokens", () => {
    const padded = buildSpmVocab({ words: ["hello"], size: 1000 });
    expect(padded.tokens.length).toBe(1000);
    expect(new Set(padded.tokens).size).toBe(1000);
    expect(padded.scores.length).toBe(1000);
    expect(padded.types.length).toBe(1000);
  });

  test("refuses a size smaller than the tokens it needs", () => {
    expect(() => buildSpmVocab({ words: [], size: 100 })).toThrow(VocabSizeError);
  });
});
