import { describe, expect, test } from "bun:test";
import {
  searchBackspace,
  searchOlder,
  searchPrompt,
  searchResult,
  searchType,
  startSearch,
} from "../../src/repl/history-search.ts";

const HISTORY = [
  "/status",
  "/search wifi",
  "/help",
  "/search power",
  "/search power",
  "what is the wifi password?",
];

describe("Ctrl-R reverse incremental search", () => {
  test("starts empty, showing nothing but the prompt", () => {
    const search = startSearch();
    expect(searchPrompt(search)).toBe("(reverse-i-search)'': ");
    expect(searchResult(search, HISTORY)).toBeUndefined();
  });

  test("each typed character narrows to the newest match, cursor on the match", () => {
    let search = searchType(startSearch(), HISTORY, "w");
    expect(searchResult(search, HISTORY)).toEqual({ text: "what is the wifi password?", cursor: 21 });
    search = searchType(search, HISTORY, "if");
    expect(searchResult(search, HISTORY)).toEqual({ text: "what is the wifi password?", cursor: 12 });
    search = searchType(search, HISTORY, "iz");
    // Nothing matches "wifiz": the search has failed, and the last match stays on show.
    expect(search).toMatchObject({ query: "wifiz", failed: true });
    expect(searchResult(search, HISTORY)?.text).toBe("what is the wifi password?");
    expect(searchPrompt(search)).toBe("(failed reverse-i-search)'wifiz': ");
  });

  test("typing keeps the match when it still matches, else goes older from it", () => {
    let search = searchType(startSearch(), HISTORY, "/se");
    expect(searchResult(search, HISTORY)?.text).toBe("/search power");
    search = searchType(search, HISTORY, "arch w");
    expect(searchResult(search, HISTORY)?.text).toBe("/search wifi");
  });

  test("Ctrl-R again goes older, skipping repeats of the entry shown, and fails at the oldest", () => {
    let search = searchType(startSearch(), HISTORY, "search");
    expect(search.match).toBe(4);
    search = searchOlder(search, HISTORY);
    expect(searchResult(search, HISTORY)?.text).toBe("/search wifi");
    search = searchOlder(search, HISTORY);
    expect(search.failed).toBe(true);
    expect(searchResult(search, HISTORY)?.text).toBe("/search wifi");
  });

  test("Ctrl-R with an empty query walks the history from the newest", () => {
    const search = searchOlder(startSearch(), HISTORY);
    expect(searchResult(search, HISTORY)?.text).toBe("what is the wifi password?");
  });

  test("Backspace widens the query and searches again from the newest", () => {
    let search = searchType(startSearch(), HISTORY, "helpx");
    expect(search.failed).toBe(true);
    search = searchBackspace(search, HISTORY);
    expect(search).toMatchObject({ query: "help", failed: false });
    expect(searchResult(search, HISTORY)?.text).toBe("/help");
    expect(searchBackspace(searchType(startSearch(), HISTORY, "h"), HISTORY)).toEqual(startSearch());
  });
});
