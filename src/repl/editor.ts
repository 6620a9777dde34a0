/**
 * The REPL's line editor.
 *
 * On a real terminal it runs in raw mode and does its own editing: TAB completion from the
 * caller's completer (several candidates are listed at once), Ctrl-L that reprints the
 * caller's banner and keeps the half-typed line, Ctrl-C that clears the line (or, on an empty
 * line, reports an interrupt), history on Up/Down and Ctrl-R (history-search.ts), line breaks
 * from a bracketed paste or Alt-Enter kept in the text, and correct redraws of lines that
 * wrap. Everything one input chunk holds is
 * applied before the screen is redrawn once, and typing or pasting at the end of the line
 * only writes the new text, so a 1 MB paste costs a linear amount of work.
 *
 * Without an editing terminal (stdin is a pipe, or TERM=dumb) it reads whole lines with
 * `PipedLineReader`: no escapes are written, the terminal's own line discipline (if any)
 * does the editing.
 *
 * node:readline was not used: it has no hook to reprint a banner on Ctrl-L, it handles
 * Ctrl-C and completion listing its own way, and changing that means overriding its
 * private methods (`_ttyWrite`, `_refreshLine`), which Bun reimplements.
 */

import { createStyle, type Style } from "../terminal/style.ts";
import {
  type HistorySearch,
  searchBackspace,
  searchOlder,
  searchPrompt,
  searchResult,
  searchType,
  startSearch,
} from "./history-search.ts";
import {
  type DecodeResult,
  decodeKeys,
  initialKeyDecoderState,
  type KeyEvent,
  type KeyName,
} from "./keys.ts";
import {
  applyCompletion,
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
} from "./line-state.ts";
import { PipedLineReader } from "./piped-input.ts";
import { advance, type CellPosition, layoutLine, moveCursor, settle, settleWrap } from "./render-line.ts";

export type Completer = (line: string, cursor: number) => { replaceFrom: number; candidates: string[] };

export interface EditorOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** Oldest first. Read (never changed) at the start of each `read`; the caller appends and persists. */
  history: string[];
  complete?: Completer;
  /** Called on Ctrl-L after the screen is cleared; returns the banner to print above the prompt. */
  onClearScreen?: () => string;
  /**
   * Called with the line's text each time an edit changed it, once the screen shows it (so the
   * echo never waits for the caller). Not called for the line Enter ends: the read's result says it.
   */
  onEdit?: (text: string) => void;
  color: boolean;
  /** Defaults to process.env; TERM=dumb turns editing off. */
  env?: Record<string, string | undefined>;
}

export type ReadResult =
  | { kind: "line"; text: string }
  | { kind: "eof" }
  /** Ctrl-C on an empty line. */
  | { kind: "interrupt" };

/** `read` was called while another `read` was still waiting. */
export class ConcurrentReadError extends Error {
  override readonly name = "ConcurrentReadError";
  constructor() {
    super("LineEditor.read called while a read is in progress");
  }
}

/** `read` was called after `close`. */
export class EditorClosedError extends Error {
  override readonly name = "EditorClosedError";
  constructor() {
    super("LineEditor.read called after close");
  }
}

const BELL = "\x07";
const CLEAR_SCREEN = "\x1b[H\x1b[2J";
const CLEAR_TO_END_OF_SCREEN = "\x1b[J";
const BRACKETED_PASTE_ON = "\x1b[?2004h";
const BRACKETED_PASTE_OFF = "\x1b[?2004l";
/** How long a lone ESC (or a cut-off sequence) waits for the rest before it counts as typed. */
const ESCAPE_WAIT_MS = 30;
const DEFAULT_COLUMNS = 80;

export class LineEditor {
  readonly #opts: EditorOptions;
  readonly #raw: boolean;
  #closed = false;
  /** The read in progress, if any: ends it with a result or an error. */
  #active: RawRead | SimpleRead | null = null;

  // Raw mode: decoder state and events that arrived after the line that ended the last read.
  #decoder = initialKeyDecoderState;
  #queued: KeyEvent[] = [];

  // Simple mode.
  #reader: PipedLineReader | null = null;
  #pendingLine: Promise<string | null> | null = null;

  constructor(opts: EditorOptions) {
    this.#opts = opts;
    const env = opts.env ?? process.env;
    this.#raw =
      opts.input.isTTY === true &&
      opts.output.isTTY === true &&
      typeof opts.input.setRawMode === "function" &&
      env.TERM !== "dumb";
  }

  /** Whether this editor edits in raw mode (false: whole lines from a pipe or a dumb terminal). */
  get editing(): boolean {
    return this.#raw;
  }

  read(prompt: string): Promise<ReadResult> {
    if (this.#closed) return Promise.reject(new EditorClosedError());
    if (this.#active) return Promise.reject(new ConcurrentReadError());
    return this.#raw ? this.#readRaw(prompt) : this.#readSimple(prompt);
  }

  /** Ends any read in progress as EOF, restores the terminal and lets go of stdin. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#active?.finish({ kind: "eof" });
    void this.#reader?.close();
  }

  // ---- raw mode -------------------------------------------------------------------------

  #readRaw(prompt: string): Promise<ReadResult> {
    const { promise, resolve, reject } = Promise.withResolvers<ReadResult>();
    const read = new RawRead(this.#opts, prompt, (result, error) => {
      this.#active = null;
      if (error !== undefined) reject(error);
      else resolve(result);
    });
    this.#active = read;
    const { input } = this.#opts;

    const onData = (chunk: Uint8Array | string) => {
      clearTimeout(escapeTimer);
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      feed(decodeKeys(this.#decoder, bytes));
    };
    const flushEscape = () => feed(decodeKeys(this.#decoder, new Uint8Array(0), true));
    let escapeTimer: ReturnType<typeof setTimeout> | undefined;

    const feed = (decoded: DecodeResult) => {
      this.#decoder = decoded.state;
      // In the middle of a bracketed paste the screen waits for its end: redrawing a long
      // line per chunk would make pasting into the middle of a line quadratic.
      const leftover = read.apply(decoded.events, !decoded.state.inPaste);
      if (leftover) this.#queued.push(...leftover);
      // A held-back tail inside a paste is part of its end marker: wait for it, however slow.
      const { pending, inPaste } = this.#decoder;
      if (pending.length > 0 && !inPaste && !read.done) escapeTimer = setTimeout(flushEscape, ESCAPE_WAIT_MS);
    };

    read.onCleanup(() => {
      clearTimeout(escapeTimer);
      input.off("data", onData);
      input.pause();
    });
    read.start();
    const queued = this.#queued;
    this.#queued = [];
    const leftover = read.apply(queued);
    if (leftover) this.#queued.push(...leftover);
    if (!read.done) {
      input.on("data", onData);
      input.resume();
    }
    return promise;
  }

  // ---- simple mode ----------------------------------------------------------------------

  async #readSimple(prompt: string): Promise<ReadResult> {
    const { input, output } = this.#opts;
    this.#reader ??= new PipedLineReader(input);
    // A prompt only helps someone typing; with piped input it would litter the output.
    if (input.isTTY) output.write(Bun.stripANSI(prompt));
    this.#pendingLine ??= this.#reader.next();

    const read = new SimpleRead(input.isTTY === true);
    this.#active = read;
    try {
      const result = await read.race(this.#pendingLine);
      // The terminal echoed ^C on the prompt's line; the caller's next words go below it.
      if (result.kind === "interrupt") output.write("\n");
      else this.#pendingLine = null;
      return result;
    } finally {
      this.#active = null;
    }
  }
}

/** A simple-mode read waiting for a line, for SIGINT (on a terminal) or for `close`. */
class SimpleRead {
  readonly #watchSigint: boolean;
  #finish: ((result: ReadResult) => void) | null = null;

  constructor(watchSigint: boolean) {
    this.#watchSigint = watchSigint;
  }

  async race(line: Promise<string | null>): Promise<ReadResult> {
    const { promise, resolve } = Promise.withResolvers<ReadResult>();
    this.#finish = resolve;
    const onSigint = () => resolve({ kind: "interrupt" });
    if (this.#watchSigint) process.on("SIGINT", onSigint);
    try {
      return await Promise.race([
        line.then((text): ReadResult => (text === null ? { kind: "eof" } : { kind: "line", text })),
        promise,
      ]);
    } finally {
      if (this.#watchSigint) process.off("SIGINT", onSigint);
    }
  }

  finish(result: ReadResult): void {
    this.#finish?.(result);
  }
}

type EventOutcome = ReadResult | "continue";

/** One raw-mode read: the line state, what is on screen, and the terminal mode to restore. */
class RawRead {
  readonly #opts: EditorOptions;
  readonly #style: Style;
  /** The caller's prompt; while Ctrl-R searches, `#prompt` is the search's instead. */
  readonly #readPrompt: string;
  #styledPrompt: string;
  #prompt: string;
  readonly #settle: (result: ReadResult, error?: unknown) => void;
  readonly #cleanups: (() => void)[] = [];
  #state: LineState;
  done = false;

  // The drawing on screen, relative to the cell where the prompt starts. After `#render`
  // it shows `#state`; until then edits either only appended `#appended` at the end of
  // the line (cheap to show) or left the drawing `#stale` (redrawn whole).
  #cursorCell: CellPosition = { row: 0, col: 0 };
  #endCell: CellPosition = { row: 0, col: 0 };
  #appended = "";
  #stale = false;
  #columns: number;
  /** A Ctrl-R search in progress, and the line as it was when it began (Ctrl-G puts it back). */
  #search: { search: HistorySearch; before: LineState } | null = null;
  /** The text `onEdit` last heard of. */
  #reported = "";

  constructor(
    opts: EditorOptions,
    prompt: string,
    settleRead: (result: ReadResult, error?: unknown) => void,
  ) {
    this.#opts = opts;
    this.#readPrompt = Bun.stripANSI(prompt);
    this.#prompt = this.#readPrompt;
    this.#style = createStyle(opts.color);
    this.#styledPrompt = this.#style.bold(this.#style.cyan(this.#prompt));
    this.#settle = settleRead;
    this.#state = createLineState([...opts.history]);
    this.#columns = this.#currentColumns();
  }

  onCleanup(cleanup: () => void): void {
    this.#cleanups.push(cleanup);
  }

  start(): void {
    const { input, output } = this.#opts;
    const restore = () => {
      input.setRawMode(false);
      output.write(BRACKETED_PASTE_OFF);
    };
    input.setRawMode(true);
    process.once("exit", restore);
    const onResize = () => this.#guard(() => this.#resize());
    output.on("resize", onResize);
    this.#cleanups.push(() => {
      output.off("resize", onResize);
      process.off("exit", restore);
      restore();
    });
    output.write(BRACKETED_PASTE_ON + this.#styledPrompt);
    this.#cursorCell = this.#endCell = settle(
      advance({ row: 0, col: 0 }, this.#prompt, this.#columns),
      this.#columns,
    );
  }

  /** Apply events in order; returns those after the one that ended the read, if it ended. */
  apply(events: KeyEvent[], render = true): KeyEvent[] | undefined {
    if (this.done) return events;
    return this.#guard(() => {
      for (let i = 0; i < events.length; i++) {
        const outcome = this.#handle(events[i]!);
        if (outcome !== "continue") {
          this.finish(outcome);
          return events.slice(i + 1);
        }
      }
      if (render) {
        this.#render();
        this.#reportEdit();
      }
      return undefined;
    });
  }

  finish(result: ReadResult): void {
    if (this.done) return;
    this.done = true;
    if (result.kind === "eof" && this.#state.text !== "") {
      // Closed from outside mid-line: leave the line visible and move below it.
      this.#render();
      this.#opts.output.write(this.#toFreshLine());
    }
    this.#cleanup();
    this.#settle(result);
  }

  #guard<T>(work: () => T): T | undefined {
    try {
      return work();
    } catch (error) {
      this.done = true;
      this.#cleanup();
      this.#settle({ kind: "eof" }, error);
      return undefined;
    }
  }

  #cleanup(): void {
    for (const cleanup of this.#cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // Restoring the terminal is best effort once the terminal itself is failing.
      }
    }
  }

  #handle(event: KeyEvent): EventOutcome {
    if (this.#search) return this.#handleSearch(this.#search, event);
    switch (event.type) {
      case "text":
      case "paste":
        this.#insert(pasteToText(event.text));
        return "continue";
      case "unknown":
        return "continue";
      case "key":
        return this.#handleKey(event.name);
    }
  }

  /**
   * While Ctrl-R searches: text and Backspace change the query, Ctrl-R finds the next older
   * match, Ctrl-G (or Escape, Ctrl-C) puts the line back as it was; any other key takes the
   * match as the line and then does what it does (Enter submits it, Left starts editing it).
   */
  #handleSearch(active: { search: HistorySearch; before: LineState }, event: KeyEvent): EventOutcome {
    const history = active.before.history;
    if (event.type === "unknown") return "continue";
    if (event.type !== "key") {
      this.#showSearch(searchType(active.search, history, pasteToText(event.text).replace(/\n/g, " ")));
      return "continue";
    }
    switch (event.name) {
      case "ctrl-r":
        this.#showSearch(searchOlder(active.search, history));
        return "continue";
      case "backspace":
        this.#showSearch(searchBackspace(active.search, history));
        return "continue";
      case "ctrl-g":
      case "ctrl-c":
      case "escape":
        this.#endSearch(active.before);
        return "continue";
      default:
        this.#endSearch(this.#state);
        return this.#handleKey(event.name);
    }
  }

  #showSearch(search: HistorySearch): void {
    const before = this.#search?.before ?? this.#state;
    this.#search = { search, before };
    const found = searchResult(search, before.history);
    this.#setPrompt(searchPrompt(search));
    // No match yet shows the line as it was; a failed search keeps showing the last match.
    if (found) this.#setState({ ...before, text: found.text, cursor: found.cursor });
    else if (!search.failed) this.#setState(before);
  }

  #endSearch(line: LineState): void {
    this.#search = null;
    this.#setPrompt(this.#readPrompt);
    this.#setState({ ...line, historyIndex: line.history.length });
  }

  #setPrompt(prompt: string): void {
    if (prompt === this.#prompt) return;
    this.#prompt = prompt;
    const style = this.#style;
    this.#styledPrompt = prompt === this.#readPrompt ? style.bold(style.cyan(prompt)) : style.dim(prompt);
    this.#stale = true;
  }

  #handleKey(name: KeyName): EventOutcome {
    const state = this.#state;
    const edit = (next: LineState) => {
      this.#setState(next);
      return "continue" as const;
    };
    switch (name) {
      case "enter":
        this.#render();
        this.#write(this.#toFreshLine());
        return { kind: "line", text: state.text };
      case "ctrl-c":
        this.#render();
        this.#write(`${this.#toCell(this.#endCell)}^C\r\n`);
        if (state.text === "") return { kind: "interrupt" };
        this.#restartLine(createLineState(state.history));
        return "continue";
      case "ctrl-d":
        if (state.text === "") {
          this.#write(this.#toFreshLine());
          return { kind: "eof" };
        }
        return edit(deleteForward(state));
      case "ctrl-l":
        this.#clearScreen();
        return "continue";
      case "tab":
        this.#complete();
        return "continue";
      case "ctrl-r":
        this.#showSearch(startSearch());
        return "continue";
      case "alt-enter":
        // A line break in the question; Enter still submits the whole of it.
        this.#insert("\n");
        return "continue";
      case "backspace":
        return edit(deleteBackward(state));
      case "delete":
        return edit(deleteForward(state));
      case "left":
      case "ctrl-b":
        return edit(moveLeft(state));
      case "right":
      case "ctrl-f":
        return edit(moveRight(state));
      case "home":
      case "ctrl-a":
        return edit(moveHome(state));
      case "end":
      case "ctrl-e":
        return edit(moveEnd(state));
      case "word-left":
        return edit(moveWordLeft(state));
      case "word-right":
        return edit(moveWordRight(state));
      case "ctrl-k":
        return edit(killToEnd(state));
      case "ctrl-u":
        return edit(killToStart(state));
      case "ctrl-w":
        return edit(killWordBackward(state));
      case "alt-backspace":
        return edit(killAlnumWordBackward(state));
      case "alt-d":
        return edit(killWordForward(state));
      case "ctrl-y":
        return edit(yank(state));
      case "up":
      case "ctrl-p":
        return this.#browse(historyPrevious(state));
      case "down":
      case "ctrl-n":
        return this.#browse(historyNext(state));
      case "escape":
      case "shift-tab":
      case "ctrl-g":
        return "continue";
    }
  }

  #browse(next: LineState): EventOutcome {
    if (next === this.#state) this.#bell();
    this.#setState(next);
    return "continue";
  }

  /** One candidate completes; several are extended to their common prefix and listed at once. */
  #complete(): void {
    const { complete } = this.#opts;
    if (!complete) {
      this.#bell();
      return;
    }
    const state = this.#state;
    const outcome = applyCompletion(state, complete(state.text, state.cursor));
    if (outcome.kind === "none") {
      this.#bell();
      return;
    }
    this.#setState(outcome.state);
    if (outcome.kind === "completed") return;
    this.#render();
    this.#write(this.#toFreshLine() + formatCandidates(outcome.candidates, this.#columns));
    this.#restartLine(this.#state);
  }

  #clearScreen(): void {
    const banner = this.#opts.onClearScreen?.() ?? "";
    const lines = banner.replace(/\r?\n/g, "\r\n");
    const separator = lines === "" || lines.endsWith("\n") ? "" : "\r\n";
    this.#write(CLEAR_SCREEN + lines + separator);
    this.#restartLine(this.#state);
  }

  #insert(text: string): void {
    const atEnd = this.#state.cursor === this.#state.text.length;
    this.#state = insertText(this.#state, text);
    if (atEnd) this.#appended += text;
    else this.#stale = true;
  }

  #setState(next: LineState): void {
    if (next.text !== this.#state.text || next.cursor !== this.#state.cursor) this.#stale = true;
    this.#state = next;
  }

  /** Draw `state` from scratch on the line the terminal cursor is on now (column 0). */
  #restartLine(state: LineState): void {
    this.#state = state;
    this.#cursorCell = this.#endCell = { row: 0, col: 0 };
    this.#redraw();
  }

  #resize(): void {
    const columns = this.#currentColumns();
    if (columns === this.#columns) return;
    this.#render();
    // Terminals that reflow (tmux, most modern ones) rewrap the drawn line to the new width.
    this.#columns = columns;
    const { text, cursor } = this.#state;
    this.#cursorCell = layoutLine(this.#prompt, text, cursor, columns).cursor;
    this.#redraw();
  }

  #reportEdit(): void {
    const { text } = this.#state;
    if (text === this.#reported) return;
    this.#reported = text;
    this.#opts.onEdit?.(text);
  }

  /** Bring the screen up to date with the state. */
  #render(): void {
    if (this.#stale) this.#redraw();
    else if (this.#appended !== "") {
      // Typing or pasting at the end of the line: write only what is new.
      const end = advance(this.#endCell, this.#appended, this.#columns);
      this.#write(onScreen(this.#appended) + settleWrap(end, this.#columns));
      this.#cursorCell = this.#endCell = settle(end, this.#columns);
      this.#appended = "";
    }
  }

  #redraw(): void {
    const { text, cursor } = this.#state;
    const columns = this.#columns;
    const layout = layoutLine(this.#prompt, text, cursor, columns);
    const home = this.#toCell({ row: 0, col: 0 });
    const end = settle(layout.end, columns);
    this.#write(
      home +
        CLEAR_TO_END_OF_SCREEN +
        this.#styledPrompt +
        onScreen(text) +
        settleWrap(layout.end, columns) +
        moveCursor(end, layout.cursor),
    );
    this.#cursorCell = layout.cursor;
    this.#endCell = end;
    this.#appended = "";
    this.#stale = false;
  }

  /** Move from the terminal cursor to `cell` of the current drawing. */
  #toCell(cell: CellPosition): string {
    const move = moveCursor(this.#cursorCell, cell);
    this.#cursorCell = cell;
    return move;
  }

  /** Move below the drawn line, to column 0 of a fresh row. */
  #toFreshLine(): string {
    const end = this.#endCell;
    const move = this.#toCell(end);
    return end.col === 0 && end.row > 0 ? move : `${move}\r\n`;
  }

  /** Ring after drawing what came before, so the terminal shows events in order. */
  #bell(): void {
    this.#render();
    this.#write(BELL);
  }

  #write(text: string): void {
    if (text !== "") this.#opts.output.write(text);
  }

  #currentColumns(): number {
    const columns = this.#opts.output.columns;
    return columns !== undefined && columns > 0 ? columns : DEFAULT_COLUMNS;
  }
}

/** The text as written to a raw terminal: a line break is CR LF, so the next row starts at column 0. */
function onScreen(text: string): string {
  return text.includes("\n") ? text.replaceAll("\n", "\r\n") : text;
}

/** Candidates in columns under the line, each row ending in CR LF (the terminal is raw). */
export function formatCandidates(candidates: readonly string[], columns: number): string {
  const width = Math.max(...candidates.map((candidate) => Bun.stringWidth(candidate))) + 2;
  const perRow = Math.max(1, Math.floor(columns / width));
  let out = "";
  for (let i = 0; i < candidates.length; i += perRow) {
    const row = candidates.slice(i, i + perRow);
    out += row
      .map((candidate, k) =>
        k === row.length - 1 ? candidate : candidate + " ".repeat(width - Bun.stringWidth(candidate)),
      )
      .join("");
    out += "\r\n";
  }
  return out;
}
