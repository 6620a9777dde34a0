import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** A parsed YAML file that can say where a key path sits in it. */
export interface LocatedYaml {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export interface YamlSyntaxError {
  line: number;
  column: number;
  message: string;
}

export function parseLocatedYaml(
  file: string,
  text: string,
): { yaml: LocatedYaml; errors: YamlSyntaxError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    // yaml's messages can span lines with a code frame; the first line is the sentence.
    return { line: pos.line, column: pos.col, message: e.message.split("\n")[0] ?? e.message };
  });
  return { yaml: { file, doc, lines }, errors };
}

/**
 * Line and column of a key path: the key itself when `at` is "key" (an unknown key), else its value.
 * Falls back to the deepest part of the path that exists, then to the top of the file.
 */
export function locate(
  yaml: LocatedYaml,
  path: readonly (string | number)[],
  at: "key" | "value" = "value",
): { line: number; column: number } {
  let node: unknown = yaml.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      const valueStart = rangeStart(pair.value);
      offset = (last && at === "key" ? keyStart : (valueStart ?? keyStart)) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const pos = yaml.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
