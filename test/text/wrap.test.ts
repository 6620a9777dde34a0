import { describe, expect, test } from "bun:test";
import { wrapWords } from "../../src/text/wrap.ts";

describe("wrapWords", () => {
  test("breaks at spaces, never inside a word that fits on a line", () => {
    expect(wrapWords("list the slash commands and what they do", 12)).toEqual([
      "list the",
      "slash",
      "commands and",
      "what they do",
    ]);
  });

  test("widths are terminal cells: CJK counts two, colour escapes none", () => {
    expect(wrapWords("名前 名前 名前", 10)).toEqual(["名前 名前", "名前"]);
    expect(wrapWords("\x1b[2mdim\x1b[22m word", 8)).toEqual(["\x1b[2mdim\x1b[22m word"]);
  });

  test("a word longer than the line is cut; width 1 still makes progress", () => {
    expect(wrapWords("abcdefgh ij", 3)).toEqual(["abc", "def", "gh", "ij"]);
    expect(wrapWords("ab", 1)).toEqual(["a", "b"]);
    expect(wrapWords("", 10)).toEqual([""]);
  });
});
