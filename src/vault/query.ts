/**
 * Turns an operator's plain-language query into an FTS5 MATCH expression that cannot be a syntax
 * error: every word becomes a quoted term and the terms are OR'ed, so FTS operators (AND, NEAR, *,
 * column filters, stray quotes) typed by the operator are just words. bm25 does the ranking.
 */

/** Words too common to help ranking; dropped unless the query has nothing else. */
const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be but by can do does for from has have how i if in into is it its me my " +
    "of on or our so than that the their then there these this to was we were what when where which " +
    "who why will with you your"
  ).split(" "),
);

/** Enough terms for any real question; bounds the cost of pasted paragraphs. */
export const MAX_QUERY_TERMS = 32;

export function queryTerms(query: string): string[] {
  const words =
    query
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const unique = [...new Set(words)];
  const meaningful = unique.filter((w) => !STOPWORDS.has(w));
  return (meaningful.length > 0 ? meaningful : unique).slice(0, MAX_QUERY_TERMS);
}

/** The MATCH expression for `query`, or null when it holds no searchable word. */
export function toMatchExpression(query: string): string | null {
  const terms = queryTerms(query);
  if (terms.length === 0) return null;
  // Terms hold only letters, digits and marks, so wrapping them in quotes needs no escaping.
  return terms.map((t) => `"${t}"`).join(" OR ");
}
