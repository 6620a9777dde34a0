import { describe, expect, test } from "bun:test";
import {
  advance,
  codePointWidth,
  layoutLine,
  moveCursor,
  ORIGIN,
  settle,
  settleWrap,
} from "../../src/repl/render-line.ts";

describe("widths", () => {
  test("ASCII is one cell, CJK two, combining marks none", () => {
    expect(codePointWidth("a".codePointAt(0)!)).toBe(1);
    expect(codePointWidth("日".codePointAt(0)!)).toBe(2);
    expect(codePointWidth(0x0301)).toBe(0);
  });
});

describe("advance", () => {
  test("text that fits stays on the row", () => {
    expect(advance(ORIGIN, "hello", 10)).toEqual({ row: 0, col: 5 });
  });

  test("filling the row exactly leaves a pending wrap, not a new row", () => {
    expect(advance(ORIGIN, "0123456789", 10)).toEqual({ row: 0, col: 10 });
    expect(settle({ row: 0, col: 10 }, 10)).toEqual({ row: 1, col: 0 });
    expect(settleWrap({ row: 0, col: 10 }, 10)).toBe("\r\n");
    expect(settleWrap({ row: 0, col: 9 }, 10)).toBe("");
  });

  test("one more character wraps to the next row", () => {
    expect(advance(ORIGIN, "01234567890", 10)).toEqual({ row: 1, col: 1 });
    expect(advance(ORIGIN, "x".repeat(25), 10)).toEqual({ row: 2, col: 5 });
  });

  test("a wide character that does not fit in the last column moves whole to the next row", () => {
    expect(advance(ORIGIN, "123456789日", 10)).toEqual({ row: 1, col: 2 });
    expect(advance(ORIGIN, "12345678日", 10)).toEqual({ row: 0, col: 10 });
  });

  test("combining marks and astral characters count by their cells", () => {
    expect(advance(ORIGIN, "e\u0301e\u0301", 10)).toEqual({ row: 0, col: 2 });
    expect(advance(ORIGIN, "😀😀", 10)).toEqual({ row: 0, col: 4 });
  });

  test("continues from a given position", () => {
    expect(advance({ row: 3, col: 8 }, "abc", 10)).toEqual({ row: 4, col: 1 });
  });

  test("a line break in the text starts the next row at column 0", () => {
    expect(advance({ row: 0, col: 6 }, "first\nsecond", 80)).toEqual({ row: 1, col: 6 });
    expect(advance(ORIGIN, "a\n\nb", 80)).toEqual({ row: 2, col: 1 });
    // A row filled to the edge then broken: the break is the wrap, not a second one.
    expect(advance(ORIGIN, `${"x".repeat(10)}\ny`, 10)).toEqual({ row: 1, col: 1 });
  });
});

describe("layoutLine", () => {
  test("cursor after the prompt on an empty line", () => {
    expect(layoutLine("demo> ", "", 0, 80)).toEqual({ cursor: { row: 0, col: 6 }, end: { row: 0, col: 6 } });
  });

  test("cursor inside a line that wraps", () => {
    const layout = layoutLine("> ", "a".repeat(30), 15, 10);
    expect(layout.cursor).toEqual({ row: 1, col: 7 });
    expect(layout.end).toEqual({ row: 3, col: 2 });
  });

  test("cursor at the end of a line that exactly fills its rows sits on the next row", () => {
    const layout = layoutLine("> ", "a".repeat(18), 18, 10);
    expect(layout.end).toEqual({ row: 1, col: 10 });
    expect(layout.cursor).toEqual({ row: 2, col: 0 });
  });

  test("cursor on a wide character that wrapped shows where it was drawn", () => {
    const layout = layoutLine("> ", "1234567日x", 7, 10);
    expect(layout.cursor).toEqual({ row: 1, col: 0 });
  });
});

describe("moveCursor", () => {
  test("up, down and across", () => {
    expect(moveCursor({ row: 3, col: 4 }, { row: 1, col: 0 })).toBe("\x1b[2A\r");
    expect(moveCursor({ row: 0, col: 4 }, { row: 2, col: 7 })).toBe("\x1b[2B\r\x1b[7C");
    expect(moveCursor({ row: 1, col: 4 }, { row: 1, col: 4 })).toBe("");
  });
});
