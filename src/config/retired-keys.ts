import type { UnusedKey } from "./python-ember.ts";
import { hasPath, setPath, type Tree } from "./tree.ts";

/**
 * Keys an earlier Ember read and this one replaced. A file that still sets one loads (it is a
 * warning saying what to use instead, not an unknown key that makes the config invalid).
 */
const RETIRED: readonly { path: string[]; message: string }[] = [
  {
    path: ["llm", "groundingTokens"],
    message: "replaced by grounding.coreTokens and grounding.turnTokens (docs/GROUNDING.md), not used",
  },
  {
    path: ["llm", "historyTokens"],
    message: "earlier turns stay in the conversation's context, never re-rendered as text; not used",
  },
];

/** Takes the retired keys out of `data` and says what each became. */
export function dropRetiredKeys(data: Tree): UnusedKey[] {
  const dropped: UnusedKey[] = [];
  for (const { path, message } of RETIRED) {
    if (!hasPath(data, path)) continue;
    setPath(data, path, undefined);
    dropped.push({ path, message });
  }
  return dropped;
}
