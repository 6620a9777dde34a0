import { wrapWords } from "../text/wrap.ts";

/**
 * Left-aligned columns separated by two spaces; the last column is never padded. Widths are
 * terminal cells (Bun.stringWidth: a CJK character is two, a combining mark and a colour escape
 * none), so columns line up whatever script a name is in.
 */
export function formatTable(rows: readonly (readonly string[])[], indent = ""): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)),
        )
        .join("  ")
        .trimEnd(),
  );
}

/** Cells `text` takes on a terminal. */
export function visibleLength(text: string): number {
  return Bun.stringWidth(text);
}

/**
 * Two columns (a name, then its description) that fit `columns` cells: descriptions wrap at
 * spaces under their own column; when the terminal is too narrow for that, each description goes
 * under its name, indented. Without `columns` (not a terminal) nothing wraps.
 */
export function formatTwoColumns(
  rows: readonly (readonly [string, string])[],
  columns: number | undefined,
  indent = "",
): string[] {
  if (columns === undefined) return formatTable(rows, indent);
  const nameWidth = Math.max(0, ...rows.map(([name]) => visibleLength(name)));
  const descriptionAt = visibleLength(indent) + nameWidth + 2;
  const lines: string[] = [];
  if (columns - descriptionAt >= MIN_DESCRIPTION_WIDTH) {
    const pad = " ".repeat(descriptionAt);
    for (const [name, description] of rows) {
      const [first = "", ...rest] = wrapWords(description, columns - descriptionAt);
      lines.push(`${indent}${name}${" ".repeat(nameWidth - visibleLength(name))}  ${first}`.trimEnd());
      for (const line of rest) lines.push(pad + line);
    }
    return lines;
  }
  const under = `${indent}    `;
  for (const [name, description] of rows) {
    lines.push(...wrapWords(name, columns - visibleLength(indent)).map((line) => indent + line));
    lines.push(...wrapWords(description, columns - visibleLength(under)).map((line) => under + line));
  }
  return lines;
}

/** Narrower than this, a description column would be a word a line: it goes under the name. */
const MIN_DESCRIPTION_WIDTH = 24;
