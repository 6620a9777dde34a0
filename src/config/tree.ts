/** Small helpers over plain config trees (objects of objects; arrays and scalars are leaves). */

export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function getPath(tree: unknown, path: readonly string[]): unknown {
  let node: unknown = tree;
  for (const key of path) {
    if (!isTree(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

export function hasPath(tree: unknown, path: readonly string[]): boolean {
  let node: unknown = tree;
  for (const key of path) {
    if (!isTree(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}

/** Sets a value, creating intermediate objects; `undefined` deletes the key. */
export function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  const parents = path.slice(0, -1);
  const last = path[path.length - 1];
  if (last === undefined) return;
  let node: Tree = tree;
  for (const key of parents) {
    const next = node[key];
    if (!isTree(next)) node[key] = {};
    node = node[key] as Tree;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** Every leaf's dotted path with its value, in key order. */
export function leaves(tree: Tree, prefix: string[] = []): [string[], unknown][] {
  const out: [string[], unknown][] = [];
  for (const [key, value] of Object.entries(tree)) {
    const path = [...prefix, key];
    if (isTree(value) && Object.keys(value).length > 0) out.push(...leaves(value, path));
    else out.push([path, value]);
  }
  return out;
}

export function cloneTree<T>(value: T): T {
  return structuredClone(value);
}
