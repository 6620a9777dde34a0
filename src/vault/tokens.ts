/** Counting tokens, with the model's tokenizer when one is loaded. */

export type CountTokens = (text: string) => number;

/** For when no model (and so no tokenizer) is loaded: about four characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The largest k in 0..max with fits(k), for a fits that stays true below any k it holds for (a
 * longer text never takes fewer tokens). max is tried first since it usually fits; then a binary
 * search keeps tokenizer calls logarithmic. 0 is returned without being tried.
 */
export function largestFitting(max: number, fits: (k: number) => boolean): number {
  if (max <= 0 || fits(max)) return Math.max(0, max);
  let lo = 0;
  let hi = max - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
