import type { Style } from "./style.ts";

/**
 * Renders a manual page's Markdown for the terminal with Bun.markdown.ansi: headings, lists,
 * code blocks and tables (box-drawn, columns by display width), wrapped to `columns`. With colour
 * off it is plain ASCII: no escapes, no box-drawing characters.
 */
export function renderMarkdown(markdown: string, style: Style, columns = DEFAULT_COLUMNS): string[] {
  const text = Bun.markdown.ansi(markdown.replace(/\r\n/g, "\n"), { colors: style.enabled, columns });
  const lines = text.split("\n");
  while (lines.length > 0 && Bun.stripANSI(lines.at(-1) ?? "").trim() === "") lines.pop();
  return lines;
}

/** Not a terminal (the planner reading a page, a pipe): the width Bun's renderer assumes. */
const DEFAULT_COLUMNS = 80;
