import { describe, expect, test } from "bun:test";
import { createStyle } from "../../src/terminal/style.ts";
import { formatTable, formatTwoColumns } from "../../src/terminal/table.ts";

describe("formatTable", () => {
  test("columns line up by display width: CJK names and coloured cells", () => {
    const lines = formatTable([
      ["名前.md", "3", "ok"],
      ["wifi.md", "12", "ok"],
      [createStyle(true).red("é.md"), "1", "ok"],
    ]);
    // The second column starts at the same terminal cell on every line.
    const columnOf = (line: string) => Bun.stringWidth(line.slice(0, line.search(/ \d/) + 1)) + 1;
    expect(lines.map(columnOf)).toEqual([10, 10, 10]);
    expect(lines[0]).toBe("名前.md  3   ok");
  });
});

describe("formatTwoColumns", () => {
  const rows = [
    ["/help [COMMAND]", "list the slash commands"],
    ["/agents [run|enable|disable NAME]", "list agents with their last result, run one now, or enable one"],
  ] as const;

  test("descriptions wrap at word boundaries under their column, within the width", () => {
    const lines = formatTwoColumns(rows, 72, "  ");
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(72);
    expect(lines).toEqual([
      "  /help [COMMAND]                    list the slash commands",
      "  /agents [run|enable|disable NAME]  list agents with their last result,",
      "                                     run one now, or enable one",
    ]);
  });

  test("too narrow for two columns: each description under its name, still whole words", () => {
    for (const width of [20, 30, 40, 50]) {
      const lines = formatTwoColumns(rows, width, "  ");
      for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(width);
      const words = lines.join(" ").split(/\s+/).filter(Boolean);
      expect(words).toContain("result,");
      expect(words).toContain("enable");
    }
  });

  test("not a terminal: one line a row", () => {
    expect(formatTwoColumns(rows, undefined, "  ")).toHaveLength(2);
  });
});
