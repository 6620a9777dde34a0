import type { Style } from "./style.ts";

/**
 * Renders the small Markdown of Ember's manual pages for a terminal: headings bold, code blocks
 * indented, `code` highlighted, **bold** kept bold. Plain text when colour is off.
 */
export function renderMarkdown(markdown: string, style: Style): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const raw of markdown.replace(/\r\n/g, "\n").split("\n")) {
    if (/^\s*```/.test(raw)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      out.push(style.dim(`    ${raw}`));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(raw);
    if (heading) {
      out.push(style.bold(heading[2] ?? ""));
      continue;
    }
    out.push(inline(raw, style));
  }
  while (out.length > 0 && out.at(-1) === "") out.pop();
  return out;
}

function inline(line: string, style: Style): string {
  return line
    .replace(/`([^`]+)`/g, (_m, code: string) => style.cyan(code))
    .replace(/\*\*([^*]+)\*\*/g, (_m, text: string) => style.bold(text));
}
