/**
 * Breaks `text` into lines of at most `width` terminal cells, at spaces. A word longer than a
 * whole line is cut (there is nowhere better). Widths are cells (Bun.stringWidth), so wide
 * characters and colour escapes count as the terminal draws them.
 */
export function wrapWords(text: string, width: number): string[] {
  const limit = Math.max(1, width);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ +/).filter(Boolean)) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (Bun.stringWidth(candidate) <= limit) {
      line = candidate;
      continue;
    }
    if (line !== "") lines.push(line);
    line = word;
    while (Bun.stringWidth(line) > limit) {
      const cut = fitting(line, limit);
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}

/** How many UTF-16 units of `text` fit in `width` cells (at least one character). */
function fitting(text: string, width: number): number {
  let used = 0;
  let end = 0;
  for (const char of text) {
    used += Bun.stringWidth(char);
    if (used > width && end > 0) break;
    end += char.length;
  }
  return end;
}
