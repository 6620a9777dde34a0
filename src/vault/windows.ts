/**
 * The lines of a search hit worth showing: a window centred on its best matching line, a few lines
 * either side, shrunk until it fits its token allowance. Pure: lines and matches in, lines out.
 */
import type { LineMatch } from "./index.ts";
import { largestFitting } from "./tokens.ts";

/** Inclusive indices into a chunk's lines. */
export interface LineRange {
  first: number;
  last: number;
}

export interface FittedWindow extends LineRange {
  text: string;
}

export const CUT_MARK = "…";
const BLANK = /^\s*$/;

/**
 * The line with the most matched words (the first of equals). When only the heading matched, the
 * first line that is not blank: the start of the section the heading names.
 */
export function centreLine(lines: readonly string[], matches: readonly LineMatch[]): number {
  let best = -1;
  for (const [i, m] of matches.entries())
    if (m.words > 0 && (best < 0 || m.words > matches[best]!.words)) best = i;
  if (best >= 0) return best;
  const firstText = lines.findIndex((l) => !BLANK.test(l));
  return Math.max(0, firstText);
}

/**
 * Up to `radius` lines either side of `centre`, stopping before any line `usable` refuses (a line
 * the conversation already holds), with blank lines at either edge dropped.
 */
export function windowAround(
  lines: readonly string[],
  centre: number,
  radius: number,
  usable: (index: number) => boolean,
): LineRange {
  let first = centre;
  let last = centre;
  while (first > 0 && centre - first < radius && usable(first - 1)) first--;
  while (last < lines.length - 1 && last - centre < radius && usable(last + 1)) last++;
  return withoutBlankEdges(lines, { first, last }, centre);
}

function withoutBlankEdges(lines: readonly string[], range: LineRange, centre: number): LineRange {
  let { first, last } = range;
  while (first < centre && BLANK.test(lines[first]!)) first++;
  while (last > centre && BLANK.test(lines[last]!)) last--;
  return { first, last };
}

/**
 * The window's text, shrunk until `fits` accepts it: the outer line farthest from the centre goes
 * first (the later one on a tie); when the centre line alone is too long, it is cut to the span
 * around `column` (its first match) that fits, marked with … where it was cut. Null when not even
 * a few words fit.
 */
export function fitWindow(
  lines: readonly string[],
  window: LineRange,
  centre: number,
  column: number,
  fits: (window: FittedWindow) => boolean,
): FittedWindow | null {
  let { first, last } = window;
  for (;;) {
    const whole = { first, last, text: lines.slice(first, last + 1).join("\n") };
    if (fits(whole)) return whole;
    if (first === last) break;
    if (last - centre >= centre - first) last--;
    else first++;
    ({ first, last } = withoutBlankEdges(lines, { first, last }, centre));
  }
  const line = lines[centre]!;
  const cut = (width: number) => ({ first: centre, last: centre, text: cutAround(line, column, width) });
  const fitted = cut(largestFitting(line.length, (w) => fits(cut(w))));
  return fitted.text.replaceAll(CUT_MARK, "").trim() === "" || !fits(fitted) ? null : fitted;
}

/**
 * About `width` characters of `line` around `column`, cut at spaces where there are any, with a
 * mark on each side that was cut.
 */
export function cutAround(line: string, column: number, width: number): string {
  if (width >= line.length) return line;
  if (width <= 0) return "";
  column = Math.min(Math.max(0, column), line.length);
  let start = Math.min(Math.max(0, column - Math.floor(width / 2)), line.length - width);
  let end = start + width;
  if (start > 0) {
    const space = line.indexOf(" ", start);
    if (space >= 0 && space < column) start = space + 1;
  }
  if (end < line.length) {
    const space = line.lastIndexOf(" ", end);
    if (space > Math.max(start, column)) end = space;
  }
  // Never leave half of a surrogate pair at either edge.
  if (/[\uDC00-\uDFFF]/.test(line[start] ?? "")) start++;
  if (/[\uD800-\uDBFF]/.test(line[end - 1] ?? "")) end--;
  return `${start > 0 ? CUT_MARK : ""}${line.slice(start, end).trim()}${end < line.length ? CUT_MARK : ""}`;
}
