/**
 * The line being edited, as an immutable value: text, cursor, history position and the
 * last killed text. Every edit is a pure function from one state to the next, so the
 * editor's behaviour can be specified without a terminal.
 *
 * `cursor` is an index into `text` (UTF-16 code units) that always sits on a grapheme
 * boundary the user can see; moving and deleting step over whole graphemes so a
 * combining accent or an emoji never gets split.
 */

export interface LineState {
  readonly text: string;
  readonly cursor: number;
  /** Oldest first, as the caller keeps it. */
  readonly history: readonly string[];
  /** Which history entry is shown; `history.length` means the line being typed (the draft). */
  readonly historyIndex: number;
  /** The line being typed, kept while the user browses history. */
  readonly draft: string;
  /** What the last Ctrl-K/Ctrl-U/Ctrl-W/Alt-D removed, for Ctrl-Y. */
  readonly killed: string;
}

export function createLineState(history: readonly string[] = [], text = ""): LineState {
  return { text, cursor: text.length, history, historyIndex: history.length, draft: "", killed: "" };
}

export function insertText(state: LineState, text: string): LineState {
  if (text === "") return state;
  const { text: line, cursor } = state;
  // Appending without slicing keeps a long paste a cheap chain of concatenations.
  const next = cursor === line.length ? line + text : line.slice(0, cursor) + text + line.slice(cursor);
  return { ...state, text: next, cursor: cursor + text.length };
}

/**
 * Pasted text made fit for the prompt: its line breaks stay (as "\n"; bracketed paste exists so
 * that a pasted newline does not submit, and a pasted question keeps its lines), tabs become
 * spaces, other control characters are dropped so nothing pasted can drive the terminal.
 */
export function pasteToText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, "\n")
      .replace(/\t/g, " ")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, "")
  );
}

export function moveLeft(state: LineState): LineState {
  return { ...state, cursor: previousBoundary(state.text, state.cursor) };
}

export function moveRight(state: LineState): LineState {
  return { ...state, cursor: nextBoundary(state.text, state.cursor) };
}

export function moveHome(state: LineState): LineState {
  return { ...state, cursor: 0 };
}

export function moveEnd(state: LineState): LineState {
  return { ...state, cursor: state.text.length };
}

/** Alt-B: to the start of the word at or before the cursor. */
export function moveWordLeft(state: LineState): LineState {
  return { ...state, cursor: wordStartBefore(state.text, state.cursor, isWordChar) };
}

/** Alt-F: to the end of the word at or after the cursor. */
export function moveWordRight(state: LineState): LineState {
  return { ...state, cursor: wordEndAfter(state.text, state.cursor) };
}

export function deleteBackward(state: LineState): LineState {
  return removeRange(state, previousBoundary(state.text, state.cursor), state.cursor, false);
}

export function deleteForward(state: LineState): LineState {
  return removeRange(state, state.cursor, nextBoundary(state.text, state.cursor), false);
}

/** Ctrl-K */
export function killToEnd(state: LineState): LineState {
  return removeRange(state, state.cursor, state.text.length, true);
}

/** Ctrl-U */
export function killToStart(state: LineState): LineState {
  return removeRange(state, 0, state.cursor, true);
}

/** Ctrl-W: back to the previous whitespace, as in a Unix shell (a path is one word). */
export function killWordBackward(state: LineState): LineState {
  const start = wordStartBefore(state.text, state.cursor, (char) => !/\s/u.test(char));
  return removeRange(state, start, state.cursor, true);
}

/** Alt-Backspace: back to the start of the previous alphanumeric word. */
export function killAlnumWordBackward(state: LineState): LineState {
  return removeRange(state, wordStartBefore(state.text, state.cursor, isWordChar), state.cursor, true);
}

/** Alt-D */
export function killWordForward(state: LineState): LineState {
  return removeRange(state, state.cursor, wordEndAfter(state.text, state.cursor), true);
}

/** Ctrl-Y */
export function yank(state: LineState): LineState {
  return insertText(state, state.killed);
}

/** Up: the previous (older) history entry; unchanged at the oldest. */
export function historyPrevious(state: LineState): LineState {
  if (state.historyIndex === 0) return state;
  const draft = state.historyIndex === state.history.length ? state.text : state.draft;
  return showHistory({ ...state, draft }, state.historyIndex - 1);
}

/** Down: the next (newer) history entry, and after the newest the line being typed. */
export function historyNext(state: LineState): LineState {
  if (state.historyIndex >= state.history.length) return state;
  return showHistory(state, state.historyIndex + 1);
}

function showHistory(state: LineState, index: number): LineState {
  const text = index === state.history.length ? state.draft : (state.history[index] ?? "");
  return { ...state, historyIndex: index, text, cursor: text.length };
}

export interface Completion {
  /** Where the word being completed starts; it ends at the cursor. */
  replaceFrom: number;
  candidates: string[];
}

export type CompletionOutcome =
  | { kind: "none" }
  | { kind: "completed"; state: LineState }
  /** Several candidates; `extended` says whether their common prefix added anything. */
  | { kind: "ambiguous"; state: LineState; candidates: string[]; extended: boolean };

/**
 * Apply a completer's answer. One candidate replaces the word and, when it is a whole
 * word (not a path still being walked, ending in "/"), adds the separating space.
 * Several candidates replace the word with their longest common prefix.
 */
export function applyCompletion(state: LineState, completion: Completion): CompletionOutcome {
  const candidates = [...new Set(completion.candidates)];
  if (candidates.length === 0) return { kind: "none" };
  const from = Math.max(0, Math.min(completion.replaceFrom, state.cursor));
  const word = state.text.slice(from, state.cursor);
  const after = state.text.slice(state.cursor);

  const replace = (replacement: string): LineState => {
    const text = state.text.slice(0, from) + replacement + after;
    return { ...state, text, cursor: from + replacement.length };
  };

  if (candidates.length === 1) {
    const only = candidates[0]!;
    const space = only.endsWith("/") || after.startsWith(" ") ? "" : " ";
    return { kind: "completed", state: replace(only + space) };
  }

  const prefix = commonPrefix(candidates);
  const extended = prefix.length > word.length;
  return { kind: "ambiguous", state: extended ? replace(prefix) : state, candidates, extended };
}

export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return "";
  let prefix = words[0]!;
  for (const word of words) {
    let i = 0;
    while (i < prefix.length && i < word.length && prefix[i] === word[i]) i++;
    prefix = prefix.slice(0, i);
  }
  // Never end between the two halves of a surrogate pair.
  const last = prefix.charCodeAt(prefix.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? prefix.slice(0, -1) : prefix;
}

function removeRange(state: LineState, start: number, end: number, kill: boolean): LineState {
  if (start >= end) return state;
  const removed = state.text.slice(start, end);
  return {
    ...state,
    text: state.text.slice(0, start) + state.text.slice(end),
    cursor: start,
    killed: kill ? removed : state.killed,
  };
}

// A window comfortably longer than any grapheme a terminal can show, so stepping one
// grapheme costs the same on a 1 MB line as on a short one.
const GRAPHEME_WINDOW = 64;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

export function previousBoundary(text: string, index: number): number {
  if (index <= 0) return 0;
  const start = Math.max(0, index - GRAPHEME_WINDOW);
  let boundary = start;
  for (const { index: at } of graphemes.segment(text.slice(start, index))) boundary = start + at;
  return boundary;
}

export function nextBoundary(text: string, index: number): number {
  if (index >= text.length) return text.length;
  const first = graphemes
    .segment(text.slice(index, index + GRAPHEME_WINDOW))
    [Symbol.iterator]()
    .next();
  return first.done ? text.length : index + first.value.segment.length;
}

function isWordChar(char: string): boolean {
  return /[\p{L}\p{N}_]/u.test(char);
}

function wordStartBefore(text: string, index: number, inWord: (char: string) => boolean): number {
  let i = index;
  while (i > 0 && !inWord(charBefore(text, i))) i = previousBoundary(text, i);
  while (i > 0 && inWord(charBefore(text, i))) i = previousBoundary(text, i);
  return i;
}

function wordEndAfter(text: string, index: number): number {
  let i = index;
  while (i < text.length && !isWordChar(charAt(text, i))) i = nextBoundary(text, i);
  while (i < text.length && isWordChar(charAt(text, i))) i = nextBoundary(text, i);
  return i;
}

function charBefore(text: string, index: number): string {
  return text.slice(previousBoundary(text, index), index);
}

function charAt(text: string, index: number): string {
  return text.slice(index, nextBoundary(text, index));
}
