import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap,
} from "yaml";

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

/**
 * Parses YAML, and turns it into plain data, without throwing: syntax errors and a failure to
 * build the data (an alias bomb, `&a [*a, *a, …]` nested until it would expand to billions of
 * items, which yaml refuses with a ReferenceError) both come back as located errors.
 */
export function parseLocatedYaml(
  file: string,
  text: string,
): { yaml: LocatedYaml; errors: YamlSyntaxError[]; data: unknown } {
  const lines = new LineCounter();
  // yaml's own duplicate-key check compares every key with every other: minutes for a file of
  // many keys. duplicateKey finds the same in one pass.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const yaml = { file, doc, lines };
  const errors = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    // yaml's messages can span lines with a code frame; the first line is the sentence.
    return { line: pos.line, column: pos.col, message: e.message.split("\n")[0] ?? e.message };
  });
  const duplicate = errors.length === 0 ? duplicateKey(doc) : undefined;
  if (duplicate !== undefined) {
    const pos = lines.linePos(duplicate);
    errors.push({ line: pos.line, column: pos.col, message: "Map keys must be unique" });
  }
  if (errors.length > 0) return { yaml, errors, data: undefined };
  try {
    return { yaml, errors, data: doc.toJS() };
  } catch (error) {
    return { yaml, errors: [dataError(yaml, error)], data: undefined };
  }
}

/** Where the first repeated key of any mapping starts, if one is repeated. */
function duplicateKey(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        if (seen.has(key)) {
          found = rangeStart(pair.key) ?? 0;
          return visit.BREAK;
        }
        seen.add(key);
      }
    },
  });
  return found;
}

function dataError(yaml: LocatedYaml, error: unknown): YamlSyntaxError {
  let offset = 0;
  let message = `cannot be read as data: ${String((error as Error)?.message ?? error).split("\n")[0]}`;
  if (error instanceof ReferenceError && /alias/i.test(error.message)) {
    message = "aliases expand to too many items (an alias bomb?); not read";
    visit(yaml.doc, {
      Alias(_key, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
  }
  const pos = yaml.lines.linePos(offset);
  return { line: pos.line, column: pos.col, message };
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
      const pair = pairsByKey(node).get(String(segment));
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

const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

/** A mapping's pairs by key, built once: a file of thousands of keys is located in linear time. */
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && !index.has(key)) index.set(key, pair);
    }
    pairIndexes.set(map, index);
  }
  return index;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
