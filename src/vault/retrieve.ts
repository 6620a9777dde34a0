/**
 * The excerpts one question adds to a conversation, picked by relevance rather than to fill a
 * budget: only hits scoring close to the best one, only the lines around their matches, and
 * nothing the conversation already holds. The budgets are ceilings, not targets.
 */
import {
  type Excerpt,
  parseWindowId,
  renderExcerptBlock,
  EXCERPT_SEPARATOR as SEPARATOR,
  textOf,
  windowId,
} from "./excerpt.ts";
import type { SearchHit, VaultIndex } from "./index.ts";
import { locationOf, type SourceLocation } from "./location.ts";
import { type CountTokens, estimateTokens } from "./tokens.ts";
import { centreLine, type FittedWindow, fitWindow, type LineRange, windowAround } from "./windows.ts";

/** Search hits looked at per question: far more than ever pass the relative cut. */
export const CANDIDATE_HITS = 20;

/** The settings (config `grounding`, docs/GROUNDING.md) that shape a pick. */
export interface ExcerptLimits {
  /** The most all the excerpts added together may take. */
  turnTokens: number;
  /** The most one excerpt may take. */
  windowTokens: number;
  /** Lines kept either side of a hit's best matching line. */
  windowLines: number;
  maxExcerpts: number;
  /** A hit counts when its score is at least this fraction of the best hit's. */
  relativeScore: number;
}

export interface PickOptions extends ExcerptLimits {
  /** Ids of the excerpts (and core documents) already in the conversation. */
  exclude?: ReadonlySet<string>;
  /** The model's tokenizer; `estimateTokens` when omitted. */
  countTokens?: CountTokens;
  /**
   * Ids of windows laid out already but not yet in the conversation (a prefill while the operator
   * types): a hit whose best line falls inside one keeps that window as it is, so the tokens
   * evaluated for it stay valid. It holds the line the question matches best either way.
   */
  keep?: ReadonlySet<string>;
}

export interface ExcerptPick {
  /** New excerpts, best first: what the turn adds to the conversation. */
  added: Excerpt[];
  /** Relevant excerpts the conversation already holds (as these or overlapping lines): sources too. */
  held: Excerpt[];
}

export function pickExcerpts(index: VaultIndex, question: string, options: PickOptions): ExcerptPick {
  return selectExcerpts(index.search(question, { limit: CANDIDATE_HITS }), options);
}

/** Pure selection: the same hits and options give the same pick. */
function selectExcerpts(hits: readonly SearchHit[], options: PickOptions): ExcerptPick {
  const count = options.countTokens ?? estimateTokens;
  const held = heldLines(options.exclude ?? new Set());
  const kept = heldLines(options.keep ?? new Set());
  const pick: ExcerptPick = { added: [], held: [] };
  // The cut is relative to the best hit overall, held or not: a question whose best excerpt is
  // already in the conversation must not pull in weaker ones in its place.
  const best = hits[0]?.score ?? 0;
  const cutoff = best * options.relativeScore;
  const blocks: string[] = [];
  let used = 0;
  for (const hit of hits) {
    if (hit.score < cutoff || !(hit.score > 0)) break;
    if (pick.added.length >= options.maxExcerpts) break;
    const lines = hit.text.split("\n");
    const heldHere = held.get(textOf(locationOf(hit))) ?? [];
    const isHeld = (i: number) => heldHere.some(([a, b]) => fileLine(hit, i) >= a && fileLine(hit, i) <= b);
    const centre = centreLine(lines, hit.lineMatches);
    const range =
      keptWindow(hit, lines.length, centre, kept, isHeld) ??
      windowAround(lines, centre, options.windowLines, (i) => !isHeld(i));
    const column = hit.lineMatches[centre]?.column ?? 0;
    const fitsAlone = (window: FittedWindow) => count(block(hit, window)) <= options.windowTokens;
    if (isHeld(centre)) {
      // Reported as the window it would be on its own: the one the conversation was given.
      const own = windowAround(lines, centre, options.windowLines, () => true);
      const window = fitWindow(lines, own, centre, column, fitsAlone);
      const known = window && excerpt(hit, window, count);
      if (known && !pick.held.some((e) => e.id === known.id)) pick.held.push(known);
      continue;
    }
    // Within the turn's budget both ways: counted one by one (as a conversation may append them)
    // and as the one text renderExcerpts makes.
    const separator = blocks.length > 0 ? count(SEPARATOR) : 0;
    const window = fitWindow(lines, range, centre, column, (w) => {
      const tokens = count(block(hit, w));
      return (
        tokens <= options.windowTokens &&
        used + separator + tokens <= options.turnTokens &&
        count([...blocks, block(hit, w)].join(SEPARATOR)) <= options.turnTokens
      );
    });
    // Not even a few words fit what is left of the turn's budget: no later (weaker) hit will.
    if (window === null) break;
    const added = excerpt(hit, window, count);
    if (pick.added.some((e) => e.id === added.id)) continue;
    blocks.push(block(hit, window));
    used += separator + added.tokens;
    pick.added.push(added);
  }
  return pick;
}

/**
 * The file line of a chunk line. Chunk lines are file lines one to one, except where the chunker
 * cut one over-long line into pieces; there the number is close, never outside the chunk.
 */
function fileLine(hit: SearchHit, index: number): number {
  return Math.min(hit.lineStart + index, hit.lineEnd);
}

function location(hit: SearchHit, range: LineRange): SourceLocation {
  return { ...locationOf(hit), lines: [fileLine(hit, range.first), fileLine(hit, range.last)] };
}

function block(hit: SearchHit, window: FittedWindow): string {
  return renderExcerptBlock(location(hit, window), window.text);
}

function excerpt(hit: SearchHit, window: FittedWindow, count: CountTokens): Excerpt {
  const where = location(hit, window);
  return {
    id: windowId(where, window.text),
    text: window.text,
    tokens: count(block(hit, window)),
    score: hit.score,
    location: where,
  };
}

/** The kept window (as chunk lines) holding the hit's best line and nothing held; undefined if none. */
function keptWindow(
  hit: SearchHit,
  lineCount: number,
  centre: number,
  kept: Map<string, [number, number][]>,
  isHeld: (index: number) => boolean,
): LineRange | undefined {
  const line = fileLine(hit, centre);
  const found = (kept.get(textOf(locationOf(hit))) ?? []).find(([a, b]) => a <= line && line <= b);
  if (!found || found[0] < hit.lineStart || found[1] > hit.lineEnd) return undefined;
  const range = { first: found[0] - hit.lineStart, last: Math.min(found[1] - hit.lineStart, lineCount - 1) };
  for (let i = range.first; i <= range.last; i++) if (isHeld(i)) return undefined;
  return range;
}

/** The line ranges the ids cover, by text (a file, or a page or chapter of one). */
function heldLines(exclude: ReadonlySet<string>): Map<string, [number, number][]> {
  const byText = new Map<string, [number, number][]>();
  for (const id of exclude) {
    const parsed = parseWindowId(id);
    if (parsed === null) continue;
    const ranges = byText.get(parsed.text) ?? [];
    ranges.push(parsed.lines);
    byText.set(parsed.text, ranges);
  }
  return byText;
}
