import { describe, expect, test } from "bun:test";
import { MAX_QUERY_TERMS, queryTerms, toMatchExpression } from "../../src/vault/query.ts";

describe("toMatchExpression", () => {
  test("plain words become quoted terms joined by OR, stopwords dropped", () => {
    expect(toMatchExpression("How do I set up the antenna?")).toBe('"set" OR "up" OR "antenna"');
  });

  test("FTS operators and punctuation are only words", () => {
    expect(toMatchExpression('antenna AND "mast NEAR(guy* heading:radio')).toBe(
      '"antenna" OR "mast" OR "near" OR "guy" OR "heading" OR "radio"',
    );
  });

  test("a query of only stopwords still searches for them", () => {
    expect(toMatchExpression("AND or")).toBe('"and" OR "or"');
  });

  test("nothing searchable gives null", () => {
    for (const q of ["", "   ", '"', "*", "(", ":-)", "\u0000"]) expect(toMatchExpression(q)).toBeNull();
  });

  test("non-Latin words and diacritics are kept; repeats collapse", () => {
    expect(queryTerms("Antenne Antenne größe 天线")).toEqual(["antenne", "größe", "天线"]);
  });

  test("a pasted paragraph is capped", () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
    expect(queryTerms(words)).toHaveLength(MAX_QUERY_TERMS);
  });
});
