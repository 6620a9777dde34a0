/**
 * HTML (a saved web page, an EPUB chapter) as lines of text with its structure kept: headings stay
 * headings, list items become `- item` (`1. item` when ordered, indented when nested), table rows
 * become `| cell | cell |`, and each block is its own paragraph. Scripts, styles, navigation and
 * anything hidden are dropped: they are page chrome, not the document.
 */
import { type HTMLElement, type Node, NodeType, parse } from "node-html-parser";
import { type ExtractedLine, numberLines } from "./document.ts";

/** Elements whose content is never document text. */
const DROPPED = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "canvas",
  "nav",
  "iframe",
  "object",
  "embed",
  "select",
  "button",
  "head",
  "title",
]);

/** Elements that end the line before and after them. */
const BLOCKS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "body",
  "dd",
  "details",
  "dialog",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "header",
  "hr",
  "html",
  "main",
  "p",
  "section",
  "summary",
  "caption",
]);

const HEADING = /^h([1-6])$/;

interface Builder {
  lines: Omit<ExtractedLine, "no">[];
  inline: string;
  /** Nesting of lists: the marker of each open list's items. */
  lists: ("-" | number)[];
}

export function extractHtml(html: string): ExtractedLine[] {
  // Declarations are not elements; the parser would keep them as text.
  const source = html.replace(/<!doctype[^>]*>|<\?xml[^>]*\?>/gi, "");
  const root = parse(source, { comment: false, blockTextElements: { pre: true } });
  const out: Builder = { lines: [], inline: "", lists: [] };
  const hasH1 = root.querySelector("h1") !== null;
  const title = root.querySelector("title")?.text.trim();
  if (!hasH1 && title) paragraph(out, { text: collapse(title), heading: 1 });
  walk(root, out);
  flush(out);
  return numberLines(trimBlankRuns(out.lines));
}

function walk(node: Node, out: Builder): void {
  if (node.nodeType === NodeType.TEXT_NODE) {
    out.inline += node.text;
    return;
  }
  if (node.nodeType !== NodeType.ELEMENT_NODE) return;
  const element = node as HTMLElement;
  const tag = element.rawTagName?.toLowerCase() ?? "";
  if (DROPPED.has(tag) || isHidden(element)) return;

  const heading = HEADING.exec(tag);
  if (heading) {
    flush(out);
    const text = collapse(element.text);
    if (text !== "") paragraph(out, { text, heading: Number(heading[1]) });
    return;
  }
  switch (tag) {
    case "br":
      flush(out);
      return;
    case "pre":
      flush(out);
      paragraphLines(out, element.text.replace(/\n$/, "").split("\n"));
      return;
    case "table":
      flush(out);
      paragraphLines(out, tableRows(element));
      return;
    case "ul":
    case "ol":
      flush(out);
      out.lists.push(tag === "ol" ? Number(element.getAttribute("start") ?? 1) || 1 : "-");
      walkChildren(element, out);
      flush(out);
      out.lists.pop();
      if (out.lists.length === 0) out.lines.push({ text: "" });
      return;
    case "li": {
      flush(out);
      const depth = Math.max(0, out.lists.length - 1);
      const marker = out.lists[out.lists.length - 1] ?? "-";
      out.inline = `${"  ".repeat(depth)}${marker === "-" ? "-" : `${marker}.`} `;
      if (typeof marker === "number") out.lists[out.lists.length - 1] = marker + 1;
      walkChildren(element, out);
      flush(out);
      return;
    }
  }
  const block = BLOCKS.has(tag);
  if (block) flush(out, out.lists.length === 0);
  walkChildren(element, out);
  if (block) flush(out, out.lists.length === 0);
}

function walkChildren(element: HTMLElement, out: Builder): void {
  for (const child of element.childNodes) walk(child, out);
}

function isHidden(element: HTMLElement): boolean {
  return (
    element.hasAttribute("hidden") ||
    element.getAttribute("aria-hidden") === "true" ||
    element.getAttribute("role") === "navigation"
  );
}

/** Ends the current line of inline text; `blank` also ends the paragraph. */
function flush(out: Builder, blank = false): void {
  const text = collapse(out.inline);
  out.inline = "";
  if (text !== "" && !/^(\s*)(-|\d+\.)$/.test(text)) out.lines.push({ text });
  if (blank) out.lines.push({ text: "" });
}

function paragraph(out: Builder, line: Omit<ExtractedLine, "no">): void {
  out.lines.push({ text: "" }, line, { text: "" });
}

function paragraphLines(out: Builder, lines: readonly string[]): void {
  out.lines.push({ text: "" });
  for (const text of lines) if (text.trim() !== "") out.lines.push({ text: text.trimEnd() });
  out.lines.push({ text: "" });
}

function tableRows(table: HTMLElement): string[] {
  const rows: string[] = [];
  const caption = table.querySelector("caption");
  if (caption) rows.push(collapse(caption.text));
  for (const row of table.querySelectorAll("tr")) {
    const cells = row.childNodes
      .filter((c): c is HTMLElement => c.nodeType === NodeType.ELEMENT_NODE)
      .filter((c) => /^t[hd]$/i.test(c.rawTagName))
      .map((c) => collapse(c.text).replaceAll("|", "/"));
    if (cells.some((c) => c !== "")) rows.push(`| ${cells.join(" | ")} |`);
  }
  return rows;
}

/** Runs of whitespace become one space, keeping a list item's leading indentation. */
function collapse(text: string): string {
  const indent = /^ */.exec(text)![0];
  const body = text.replace(/\s+/g, " ").trim();
  return body === "" ? "" : /^ *(-|\d+\.) /.test(text) ? indent + body : body;
}

/** No leading, trailing or doubled blank lines: the chunker's paragraphs are runs of text lines. */
function trimBlankRuns(lines: Omit<ExtractedLine, "no">[]): Omit<ExtractedLine, "no">[] {
  const kept: Omit<ExtractedLine, "no">[] = [];
  for (const line of lines) {
    const blank = line.heading === undefined && line.text === "";
    if (blank && (kept.length === 0 || kept[kept.length - 1]!.text === "")) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1]!.text === "") kept.pop();
  return kept;
}
