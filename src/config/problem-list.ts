/**
 * Problem lists are capped: a broken file can yield tens of thousands of problems, and the
 * operator needs the first few and a count, not megabytes on the terminal. Past the cap a
 * problem is only counted, never phrased or located, so the cost stays small too.
 */

/** How many problems a list keeps and shows. */
export const PROBLEMS_SHOWN = 20;

export class ProblemList<T> {
  readonly shown: T[] = [];
  count = 0;

  constructor(private readonly max = PROBLEMS_SHOWN) {}

  /** Counts a problem; `describe` runs only while the list is not full. */
  add(describe: () => T): void {
    this.count++;
    if (this.shown.length < this.max) this.shown.push(describe());
  }
}

/** The first `max` lines, then one line counting the rest of `total`. */
export function capProblemLines(
  lines: readonly string[],
  total: number = lines.length,
  max: number = PROBLEMS_SHOWN,
): string[] {
  const shown = lines.slice(0, max);
  const more = total - shown.length;
  return more > 0 ? [...shown, `… and ${more} more problem${more === 1 ? "" : "s"}`] : shown;
}
