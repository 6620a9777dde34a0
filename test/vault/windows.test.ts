import { describe, expect, test } from "bun:test";
import type { LineMatch } from "../../src/vault/index.ts";
import { CUT_MARK, centreLine, cutAround, fitWindow, windowAround } from "../../src/vault/windows.ts";

const none: LineMatch = { words: 0, column: -1 };
const hit = (words: number, column = 0): LineMatch => ({ words, column });
const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
const always = () => true;

describe("centreLine", () => {
  test("the line with the most matched words, the first of equals", () => {
    const matches = lines.map((_, i) => (i === 4 ? hit(1) : i === 9 || i === 13 ? hit(2) : none));
    expect(centreLine(lines, matches)).toBe(9);
  });

  test("when only the heading matched: the first line with text", () => {
    expect(centreLine(["", "  ", "text", "more"], [none, none, none, none])).toBe(2);
  });
});

describe("windowAround", () => {
  test("radius lines either side of the centre, clipped to the chunk", () => {
    expect(windowAround(lines, 9, 2, always)).toEqual({ first: 7, last: 11 });
    expect(windowAround(lines, 1, 3, always)).toEqual({ first: 0, last: 4 });
    expect(windowAround(lines, 19, 3, always)).toEqual({ first: 16, last: 19 });
    expect(windowAround(lines, 9, 0, always)).toEqual({ first: 9, last: 9 });
  });

  test("stops before lines that are not usable and drops blank edges", () => {
    expect(windowAround(lines, 9, 3, (i) => i !== 7)).toEqual({ first: 8, last: 12 });
    const gappy = ["a", "", "b", "c", "d", "", "e"];
    expect(windowAround(gappy, 3, 2, always)).toEqual({ first: 2, last: 4 });
  });
});

describe("fitWindow", () => {
  test("the whole window when it fits", () => {
    expect(fitWindow(lines, { first: 7, last: 11 }, 9, 0, always)).toEqual({
      first: 7,
      last: 11,
      text: lines.slice(7, 12).join("\n"),
    });
  });

  test("outer lines go first, farthest from the centre, so the centre line stays", () => {
    const fitted = fitWindow(lines, { first: 5, last: 11 }, 9, 0, (w) => w.last - w.first <= 2);
    expect(fitted).toEqual({ first: 8, last: 10, text: lines.slice(8, 11).join("\n") });
  });

  test("a centre line too long alone is cut around its match, marked on each cut side", () => {
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`);
    words[30] = "antenna";
    const long = words.join(" ");
    const column = long.indexOf("antenna");
    const fitted = fitWindow([long], { first: 0, last: 0 }, 0, column, (w) => w.text.length <= 40);
    expect(fitted).not.toBeNull();
    expect(fitted!.text.length).toBeLessThanOrEqual(40);
    expect(fitted!.text).toContain("antenna");
    expect(fitted!.text.startsWith(CUT_MARK)).toBe(true);
    expect(fitted!.text.endsWith(CUT_MARK)).toBe(true);
  });

  test("null when not even a word fits", () => {
    expect(fitWindow(["some words here"], { first: 0, last: 0 }, 0, 0, () => false)).toBeNull();
  });
});

describe("cutAround", () => {
  test("cuts at spaces, never through a surrogate pair", () => {
    expect(cutAround("alpha beta gamma delta epsilon", 11, 12)).toBe(`${CUT_MARK}beta gamma${CUT_MARK}`);
    const emoji = "😀".repeat(20);
    for (let width = 1; width < emoji.length; width++) {
      const cut = cutAround(emoji, 20, width).replaceAll(CUT_MARK, "");
      // A lone surrogate would be a half character: none at either edge.
      expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(cut)).toBe(false);
    }
  });
});
