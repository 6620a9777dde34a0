import { describe, expect, test } from "bun:test";
import {
  applyCompletion,
  commonPrefix,
  createLineState,
  deleteBackward,
  deleteForward,
  historyNext,
  historyPrevious,
  insertText,
  killAlnumWordBackward,
  killToEnd,
  killToStart,
  killWordBackward,
  killWordForward,
  type LineState,
  moveEnd,
  moveHome,
  moveLeft,
  moveRight,
  moveWordLeft,
  moveWordRight,
  pasteToText,
  yank,
} from "../../src/repl/line-state.ts";

/** A state written as text with "|" marking the cursor, e.g. "ab|c". */
function at(marked: string, history: string[] = []): LineState {
  const cursor = marked.indexOf("|");
  const state = createLineState(history, marked.replace("|", ""));
  return { ...state, cursor };
}

/** The inverse of `at`, to compare states at a glance. */
function show(state: LineState): string {
  return `${state.text.slice(0, state.cursor)}|${state.text.slice(state.cursor)}`;
}

describe("inserting", () => {
  test("a new state has the cursor at the end and shows the draft position in history", () => {
    const state = createLineState(["a", "b"], "xy");
    expect(show(state)).toBe("xy|");
    expect(state.historyIndex).toBe(2);
  });

  test("text goes in at the cursor and the cursor follows it", () => {
    expect(show(insertText(at("ab|cd"), "XY"))).toBe("abXY|cd");
    expect(show(insertText(at("|"), "é日😀"))).toBe("é日😀|");
  });

  test("inserting nothing returns the same state", () => {
    const state = at("a|b");
    expect(insertText(state, "")).toBe(state);
  });

  test("a long paste appended chunk by chunk keeps every character", () => {
    let state = createLineState();
    for (let i = 0; i < 256; i++) state = insertText(state, "y".repeat(4096));
    expect(state.text.length).toBe(1024 * 1024);
    expect(state.cursor).toBe(1024 * 1024);
  });

  test("pasted line breaks stay line breaks (CR LF and CR too), tabs become spaces, other controls vanish", () => {
    expect(pasteToText("one\r\ntwo\nthree\rfour\tfive")).toBe("one\ntwo\nthree\nfour five");
    expect(pasteToText("a\x1b[31mb\x07c\u009bd")).toBe("a[31mbcd");
    expect(pasteToText("plain é 日")).toBe("plain é 日");
  });
});

describe("moving", () => {
  test.each([
    [moveLeft, "ab|c", "a|bc"],
    [moveLeft, "|abc", "|abc"],
    [moveRight, "a|bc", "ab|c"],
    [moveRight, "abc|", "abc|"],
    [moveHome, "ab|c", "|abc"],
    [moveEnd, "a|bc", "abc|"],
  ])("%p: %s -> %s", (move, before, after) => {
    expect(show(move(at(before)))).toBe(after);
  });

  test("left and right step over a whole emoji, not half a surrogate pair", () => {
    expect(show(moveLeft(at("a😀|b")))).toBe("a|😀b");
    expect(show(moveRight(at("a|😀b")))).toBe("a😀|b");
  });

  test("left and right step over a letter with its combining accent", () => {
    expect(show(moveLeft(at("xe\u0301|y")))).toBe("x|e\u0301y");
    expect(show(moveRight(at("x|e\u0301y")))).toBe("xe\u0301|y");
  });

  test("left and right step over a family emoji joined with ZWJ", () => {
    const family = "👨‍👩‍👧";
    expect(show(moveLeft(at(`a${family}|`)))).toBe(`a|${family}`);
    expect(show(moveRight(at(`|${family}b`)))).toBe(`${family}|b`);
  });

  test.each([
    ["echo hello world|", "echo hello |world"],
    ["echo hello wor|ld", "echo hello |world"],
    ["echo hello |world", "echo |hello world"],
    ["/vault/notes.md|", "/vault/notes.|md"],
    ["  |", "|  "],
  ])("word left: %s -> %s", (before, after) => {
    expect(show(moveWordLeft(at(before)))).toBe(after);
  });

  test.each([
    ["|echo hello", "echo| hello"],
    ["echo| hello", "echo hello|"],
    ["ec|ho hello", "echo| hello"],
    ["|  ", "  |"],
  ])("word right: %s -> %s", (before, after) => {
    expect(show(moveWordRight(at(before)))).toBe(after);
  });
});

describe("deleting and killing", () => {
  test.each([
    [deleteBackward, "ab|c", "a|c"],
    [deleteBackward, "|abc", "|abc"],
    [deleteBackward, "a😀|", "a|"],
    [deleteBackward, "e\u0301|", "|"],
    [deleteForward, "a|bc", "a|c"],
    [deleteForward, "abc|", "abc|"],
    [deleteForward, "|😀a", "|a"],
    [killToEnd, "ab|cd", "ab|"],
    [killToStart, "ab|cd", "|cd"],
    [killWordBackward, "cat /etc/hosts|", "cat |"],
    [killWordBackward, "cat /etc/hosts  |", "cat |"],
    [killWordBackward, "|abc", "|abc"],
    [killAlnumWordBackward, "cat /etc/hosts|", "cat /etc/|"],
    [killWordForward, "cat| /etc/hosts", "cat|/hosts"],
  ])("%p: %s -> %s", (edit, before, after) => {
    expect(show(edit(at(before)))).toBe(after);
  });

  test("plain deletes do not touch what Ctrl-Y pastes back", () => {
    const killed = killToEnd(at("ab|cd"));
    expect(killed.killed).toBe("cd");
    expect(deleteBackward(killed).killed).toBe("cd");
  });

  test("Ctrl-Y puts the last killed text back at the cursor", () => {
    const killed = killWordBackward(at("run now|"));
    expect(show(yank(moveHome(killed)))).toBe("now|run ");
  });

  test("deleting with nothing to delete returns the same state", () => {
    const state = at("|");
    expect(deleteBackward(state)).toBe(state);
    expect(killToEnd(state)).toBe(state);
  });
});

describe("history", () => {
  const history = ["first", "second", "third"];

  test("Up walks back from the newest entry, and stops at the oldest", () => {
    let state = at("draft|", history);
    state = historyPrevious(state);
    expect(show(state)).toBe("third|");
    state = historyPrevious(historyPrevious(state));
    expect(show(state)).toBe("first|");
    expect(historyPrevious(state)).toBe(state);
  });

  test("Down after Up returns to newer entries and finally the unfinished draft", () => {
    let state = historyPrevious(historyPrevious(at("dra|ft", history)));
    expect(show(state)).toBe("second|");
    state = historyNext(state);
    expect(show(state)).toBe("third|");
    state = historyNext(state);
    expect(show(state)).toBe("draft|");
    expect(historyNext(state)).toBe(state);
  });

  test("with no history Up and Down change nothing", () => {
    const state = at("x|");
    expect(historyPrevious(state)).toBe(state);
    expect(historyNext(state)).toBe(state);
  });

  test("the draft is the line as it was when history browsing began", () => {
    let state = historyPrevious(at("mine|", history));
    state = historyPrevious(insertText(state, "-edited"));
    expect(historyNext(historyNext(state)).text).toBe("mine");
  });
});

describe("completion", () => {
  test("no candidates: nothing happens", () => {
    expect(applyCompletion(at("/x|"), { replaceFrom: 0, candidates: [] })).toEqual({ kind: "none" });
  });

  test("one candidate completes the word and adds a space", () => {
    const outcome = applyCompletion(at("/sta|"), { replaceFrom: 0, candidates: ["/status"] });
    expect(outcome.kind).toBe("completed");
    if (outcome.kind === "completed") expect(show(outcome.state)).toBe("/status |");
  });

  test("a candidate ending in / is a path still being walked: no space", () => {
    const outcome = applyCompletion(at("cat /et|"), { replaceFrom: 4, candidates: ["/etc/"] });
    if (outcome.kind !== "completed") throw new Error(`expected completed, got ${outcome.kind}`);
    expect(show(outcome.state)).toBe("cat /etc/|");
  });

  test("completing in the middle keeps the rest and does not double a space", () => {
    const outcome = applyCompletion(at("/sta| now"), { replaceFrom: 0, candidates: ["/status"] });
    if (outcome.kind !== "completed") throw new Error(`expected completed, got ${outcome.kind}`);
    expect(show(outcome.state)).toBe("/status| now");
  });

  test("several candidates complete their common prefix", () => {
    const outcome = applyCompletion(at("/s|"), { replaceFrom: 0, candidates: ["/status", "/stop"] });
    expect(outcome).toMatchObject({ kind: "ambiguous", extended: true, candidates: ["/status", "/stop"] });
    if (outcome.kind === "ambiguous") expect(show(outcome.state)).toBe("/st|");
  });

  test("several candidates with nothing to add leave the line as it was", () => {
    const state = at("/h|");
    const outcome = applyCompletion(state, { replaceFrom: 0, candidates: ["/help", "/history"] });
    expect(outcome).toMatchObject({ kind: "ambiguous", extended: false });
    if (outcome.kind === "ambiguous") expect(outcome.state).toBe(state);
  });

  test("duplicate candidates count once", () => {
    const outcome = applyCompletion(at("/st|"), { replaceFrom: 0, candidates: ["/stop", "/stop"] });
    if (outcome.kind !== "completed") throw new Error(`expected completed, got ${outcome.kind}`);
    expect(outcome.state.text).toBe("/stop ");
  });

  test("a replaceFrom past the cursor is clamped to the cursor", () => {
    const outcome = applyCompletion(at("ab|"), { replaceFrom: 10, candidates: ["c"] });
    if (outcome.kind !== "completed") throw new Error(`expected completed, got ${outcome.kind}`);
    expect(show(outcome.state)).toBe("abc |");
  });

  test("the common prefix never splits a surrogate pair", () => {
    expect(commonPrefix(["a😀", "a😁"])).toBe("a");
    expect(commonPrefix(["/help", "/history", "/h"])).toBe("/h");
    expect(commonPrefix([])).toBe("");
  });
});
