/**
 * Where prompt and line land on a terminal of a given width, and the escape sequences
 * that draw them. Pure: the editor owns the terminal, this owns the arithmetic.
 *
 * Positions are relative to the cell where the prompt starts (row 0, column 0). A "\n" in the
 * text starts the next row (the editor writes it as CR LF). Widths
 * follow the terminal's own rule per code point: East Asian wide characters take two
 * cells, combining marks none, and a wide character that does not fit in the last
 * column moves whole to the next row, leaving that column blank.
 */

export interface CellPosition {
  row: number;
  col: number;
}

export const ORIGIN: CellPosition = { row: 0, col: 0 };

/** Cells one code point occupies. */
export function codePointWidth(codePoint: number): number {
  if (codePoint >= 0x20 && codePoint < 0x7f) return 1;
  return Bun.stringWidth(String.fromCodePoint(codePoint));
}

/**
 * The position after writing `text` from `from`. The column may equal `columns`: the
 * terminal's "pending wrap" state, where the next character goes to the next row.
 */
export function advance(from: CellPosition, text: string, columns: number): CellPosition {
  let { row, col } = from;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    if (code === 0x0a) {
      // A line break in the text (a pasted question, Alt-Enter): the next row, from column 0.
      row++;
      col = 0;
      continue;
    }
    const width = code >= 0x20 && code < 0x7f ? 1 : codePointWidth(code);
    if (width === 0) continue;
    if (col + width > columns) {
      row++;
      col = 0;
    }
    col += Math.min(width, columns);
  }
  return { row, col };
}

/** A pending-wrap position as the cell the next character will actually use. */
export function settle(position: CellPosition, columns: number): CellPosition {
  return position.col >= columns ? { row: position.row + 1, col: 0 } : position;
}

export interface LineLayout {
  /** Where the cursor shows: on the character at the cursor, or after the last one. */
  cursor: CellPosition;
  /** Where the terminal's cursor is after writing everything; may be a pending wrap (see `settleWrap`). */
  end: CellPosition;
}

/** Layout of `prompt` (visible text, no escapes) followed by `text` with the cursor at `cursor`. */
export function layoutLine(prompt: string, text: string, cursor: number, columns: number): LineLayout {
  const beforeCursor = advance(advance(ORIGIN, prompt, columns), text.slice(0, cursor), columns);
  const end = advance(beforeCursor, text.slice(cursor), columns);
  return { cursor: cellOfNext(beforeCursor, text, cursor, columns), end };
}

/** The cell where the character at `index` is drawn (it may wrap to the next row). */
function cellOfNext(position: CellPosition, text: string, index: number, columns: number): CellPosition {
  const settled = settle(position, columns);
  const code = text.codePointAt(index);
  if (code === undefined) return settled;
  const width = codePointWidth(code);
  return settled.col + width > columns && width <= columns ? { row: settled.row + 1, col: 0 } : settled;
}

/** Escape sequences that move the cursor between two positions of the same drawing. */
export function moveCursor(from: CellPosition, to: CellPosition): string {
  let out = "";
  if (to.row < from.row) out += `\x1b[${from.row - to.row}A`;
  else if (to.row > from.row) out += `\x1b[${to.row - from.row}B`;
  if (to.col !== from.col) out += to.col === 0 ? "\r" : `\r\x1b[${to.col}C`;
  return out;
}

/** After writing up to `position`, the bytes that leave a pending wrap on the next row. */
export function settleWrap(position: CellPosition, columns: number): string {
  return position.col >= columns ? "\r\n" : "";
}
