import { describe, expect, test } from "bun:test";
import {
  decodeKeys,
  initialKeyDecoderState,
  type KeyDecoderState,
  type KeyEvent,
  type KeyName,
} from "../../src/repl/keys.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Decode chunks in order, as they would arrive from a terminal. */
function decodeAll(
  chunks: (string | Uint8Array)[],
  final = false,
): { events: KeyEvent[]; state: KeyDecoderState } {
  let state = initialKeyDecoderState;
  const events: KeyEvent[] = [];
  chunks.forEach((chunk, i) => {
    const result = decodeKeys(
      state,
      typeof chunk === "string" ? bytes(chunk) : chunk,
      final && i === chunks.length - 1,
    );
    state = result.state;
    events.push(...result.events);
  });
  return { events, state };
}

const decode = (...chunks: (string | Uint8Array)[]) => decodeAll(chunks).events;
const key = (name: KeyName): KeyEvent => ({ type: "key", name });
const text = (value: string): KeyEvent => ({ type: "text", text: value });

describe("printable text", () => {
  test("a run of ASCII is one text event", () => {
    expect(decode("hello world")).toEqual([text("hello world")]);
  });

  test("multi-byte UTF-8 decodes to its characters", () => {
    expect(decode("é日本😀")).toEqual([text("é日本😀")]);
  });

  test("a character split across chunks waits for its last byte", () => {
    const smile = bytes("😀");
    const { events, state } = decodeAll([smile.subarray(0, 1), smile.subarray(1, 3)]);
    expect(events).toEqual([]);
    expect(state.pending.length).toBe(3);
    expect(decode(smile.subarray(0, 2), smile.subarray(2))).toEqual([text("😀")]);
  });

  test("text before a split character is not held back", () => {
    const all = bytes("ab日");
    expect(decode(all.subarray(0, 3))).toEqual([text("ab")]);
    expect(decode(all.subarray(0, 3), all.subarray(3))).toEqual([text("ab"), text("日")]);
  });

  test("invalid UTF-8 becomes U+FFFD", () => {
    expect(decode(new Uint8Array([0x61, 0xff, 0x62]))).toEqual([text("a\ufffdb")]);
    expect(decode(new Uint8Array([0xc0, 0x80]))).toEqual([text("\ufffd\ufffd")]);
  });

  test("a truncated character at a final flush becomes U+FFFD", () => {
    expect(decodeAll([new Uint8Array([0x61, 0xe6, 0x97])], true).events).toEqual([text("a\ufffd")]);
  });

  test("text around keys keeps its order", () => {
    expect(decode("ab\tc\rd")).toEqual([text("ab"), key("tab"), text("c"), key("enter"), text("d")]);
  });
});

describe("control keys", () => {
  test.each([
    ["\x01", "ctrl-a"],
    ["\x02", "ctrl-b"],
    ["\x03", "ctrl-c"],
    ["\x04", "ctrl-d"],
    ["\x05", "ctrl-e"],
    ["\x06", "ctrl-f"],
    ["\x07", "ctrl-g"],
    ["\x0b", "ctrl-k"],
    ["\x0c", "ctrl-l"],
    ["\x0e", "ctrl-n"],
    ["\x10", "ctrl-p"],
    ["\x12", "ctrl-r"],
    ["\x15", "ctrl-u"],
    ["\x17", "ctrl-w"],
    ["\x19", "ctrl-y"],
    ["\x7f", "backspace"],
    ["\x08", "backspace"],
    ["\t", "tab"],
    ["\r", "enter"],
    ["\n", "enter"],
  ] as [string, KeyName][])("%j is %s", (input, name) => {
    expect(decode(input)).toEqual([key(name)]);
  });

  test("CR LF is a single Enter, also when split across chunks", () => {
    expect(decode("a\r\nb")).toEqual([text("a"), key("enter"), text("b")]);
    expect(decode("a\r", "\nb")).toEqual([text("a"), key("enter"), text("b")]);
  });

  test("two Enters stay two", () => {
    expect(decode("\r\r")).toEqual([key("enter"), key("enter")]);
  });

  test("an unassigned control character is reported as unknown", () => {
    expect(decode("\x1c")).toEqual([{ type: "unknown", sequence: "\x1c" }]);
  });

  test("Alt-Enter (ESC CR, or ESC LF) is its own key, not Escape then Enter", () => {
    expect(decode("a\x1b\rb")).toEqual([text("a"), key("alt-enter"), text("b")]);
    expect(decode("\x1b\n")).toEqual([key("alt-enter")]);
  });
});

describe("escape sequences", () => {
  test.each([
    ["\x1b[A", "up"],
    ["\x1b[B", "down"],
    ["\x1b[C", "right"],
    ["\x1b[D", "left"],
    ["\x1bOA", "up"],
    ["\x1bOD", "left"],
    ["\x1b[H", "home"],
    ["\x1b[F", "end"],
    ["\x1bOH", "home"],
    ["\x1bOF", "end"],
    ["\x1b[1~", "home"],
    ["\x1b[4~", "end"],
    ["\x1b[7~", "home"],
    ["\x1b[8~", "end"],
    ["\x1b[3~", "delete"],
    ["\x1b[Z", "shift-tab"],
    ["\x1b[1;5C", "word-right"],
    ["\x1b[1;5D", "word-left"],
    ["\x1bb", "word-left"],
    ["\x1bf", "word-right"],
    ["\x1bd", "alt-d"],
    ["\x1b\x7f", "alt-backspace"],
  ] as [string, KeyName][])("%j is %s", (input, name) => {
    expect(decode(input)).toEqual([key(name)]);
  });

  test("a sequence split across chunks is held until complete", () => {
    const { events, state } = decodeAll(["x\x1b[", "1;5"]);
    expect(events).toEqual([text("x")]);
    expect(new TextDecoder().decode(state.pending)).toBe("\x1b[1;5");
    expect(decode("\x1b", "[", "A")).toEqual([key("up")]);
  });

  test("a lone ESC is Escape once the editor flushes", () => {
    expect(decode("\x1b")).toEqual([]);
    expect(decodeAll(["\x1b"], true).events).toEqual([key("escape")]);
  });

  test("ESC ESC is Escape followed by whatever the second starts", () => {
    expect(decode("\x1b\x1b[A")).toEqual([key("escape"), key("up")]);
  });

  test("unknown sequences are consumed whole and reported", () => {
    expect(decode("\x1b[15~a")).toEqual([{ type: "unknown", sequence: "\x1b[15~" }, text("a")]);
    expect(decode("\x1bOP")).toEqual([{ type: "unknown", sequence: "\x1bOP" }]);
  });

  test("several keys in one chunk all come out", () => {
    expect(decode("\x03\x1b[A\t")).toEqual([key("ctrl-c"), key("up"), key("tab")]);
  });
});

describe("bracketed paste", () => {
  const paste = (value: string): KeyEvent => ({ type: "paste", text: value });

  test("content between the markers is one paste event, controls included", () => {
    expect(decode("\x1b[200~line one\r\nline\ttwo\x03\x1b[201~x")).toEqual([
      paste("line one\r\nline\ttwo\x03"),
      text("x"),
    ]);
  });

  test("a paste spread over many chunks is emitted as it arrives", () => {
    const { events, state } = decodeAll(["\x1b[200~abc", "def"]);
    expect(events).toEqual([paste("abc"), paste("def")]);
    expect(state.inPaste).toBe(true);
  });

  test("an end marker split across chunks still ends the paste", () => {
    const events = decode("\x1b[200~abc\x1b[2", "01~\x1b[A");
    expect(events).toEqual([paste("abc"), key("up")]);
  });

  test("a UTF-8 character split inside a paste is not mangled", () => {
    const body = bytes("\x1b[200~日本\x1b[201~");
    const events = decode(body.subarray(0, 8), body.subarray(8));
    expect(events.map((event) => (event.type === "paste" ? event.text : "")).join("")).toBe("日本");
  });

  test("a 1 MB paste in 4 KB chunks decodes to exactly its content", () => {
    const content = "x".repeat(1024 * 1024);
    const all = bytes(`\x1b[200~${content}\x1b[201~`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += 4096) chunks.push(all.subarray(i, i + 4096));
    const { events, state } = decodeAll(chunks);
    const pasted = events.map((event) => (event.type === "paste" ? event.text : "?")).join("");
    expect(pasted.length).toBe(content.length);
    expect(pasted).toBe(content);
    expect(state.inPaste).toBe(false);
  });
});
