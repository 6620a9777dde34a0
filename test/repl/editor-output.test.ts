/**
 * What the editor writes to the terminal, byte for byte, with a fake TTY: the parts the
 * tmux tests cannot see, such as how many times a long line is redrawn.
 */

import { describe, expect, test } from "bun:test";
import { PassThrough, Writable } from "node:stream";
import {
  type Completer,
  ConcurrentReadError,
  EditorClosedError,
  type EditorOptions,
  LineEditor,
} from "../../src/repl/editor.ts";

const CLEAR_TO_END = "\x1b[J";

class FakeTtyInput extends PassThrough {
  isTTY = true;
  isRaw = false;
  rawModeChanges: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    this.rawModeChanges.push(mode);
    return this;
  }
}

class FakeTtyOutput extends Writable {
  isTTY = true;
  columns = 40;
  written = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.written += chunk.toString();
    done();
  }
}

function setup(options: Partial<EditorOptions> = {}) {
  const input = new FakeTtyInput();
  const output = new FakeTtyOutput();
  const editor = new LineEditor({
    // The fakes carry only what the editor touches; a full tty.ReadStream/WriteStream needs a real fd.
    input: input as unknown as NodeJS.ReadStream,
    output: output as unknown as NodeJS.WriteStream,
    history: [],
    color: false,
    env: { TERM: "xterm" },
    ...options,
  });
  const type = async (data: string | Uint8Array) => {
    input.write(data);
    await Bun.sleep(1);
  };
  return { input, output, editor, type };
}

const slashCommands: Completer = (line, cursor) => ({
  replaceFrom: 0,
  candidates: ["/status", "/stop"].filter((command) => command.startsWith(line.slice(0, cursor))),
});

describe("terminal modes", () => {
  test("raw mode and bracketed paste are on only while a read waits", async () => {
    const { input, output, editor, type } = setup();
    expect(editor.editing).toBe(true);
    const reading = editor.read("> ");
    expect(input.isRaw).toBe(true);
    expect(output.written).toStartWith("\x1b[?2004h> ");
    await type("hi\r");
    expect(await reading).toEqual({ kind: "line", text: "hi" });
    expect(input.isRaw).toBe(false);
    expect(output.written).toEndWith("\x1b[?2004l");
  });

  test("close during a read ends it as EOF and restores the terminal", async () => {
    const { input, editor, type } = setup();
    const reading = editor.read("> ");
    await type("half");
    editor.close();
    expect(await reading).toEqual({ kind: "eof" });
    expect(input.isRaw).toBe(false);
    expect(editor.read("> ")).rejects.toBeInstanceOf(EditorClosedError);
  });

  test("a second read while one waits is refused", async () => {
    const { editor, type } = setup();
    const reading = editor.read("> ");
    expect(editor.read("> ")).rejects.toBeInstanceOf(ConcurrentReadError);
    await type("\x04");
    expect(await reading).toEqual({ kind: "eof" });
  });

  test("TERM=dumb turns editing off", () => {
    expect(setup({ env: { TERM: "dumb" } }).editor.editing).toBe(false);
  });
});

describe("drawing", () => {
  test("typing at the end of the line writes only the new characters, never a redraw", async () => {
    const { output, editor, type } = setup();
    const reading = editor.read("> ");
    for (const chunk of ["ab", "c", "defghijklmnopqrstuvwxyz0123456789", "ABCDEFGHIJ"]) await type(chunk);
    await type("\r");
    expect(await reading).toEqual({ kind: "line", text: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ" });
    expect(output.written).not.toContain(CLEAR_TO_END);
    // 2 + 46 = 48 cells on a 40-column terminal: the characters simply flow onto row two.
    expect(output.written).toContain("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ");
  });

  test("a 1 MB paste into the middle of a line is drawn once, at the end of the paste", async () => {
    const { output, editor, type } = setup();
    const reading = editor.read("> ");
    await type("[]\x1b[D");
    const before = output.written.length;
    const paste = new TextEncoder().encode(`\x1b[200~${"m".repeat(1024 * 1024)}\x1b[201~`);
    for (let i = 0; i < paste.length; i += 4096) await type(paste.subarray(i, i + 4096));
    const drawn = output.written.slice(before);
    expect(drawn.split(CLEAR_TO_END).length - 1).toBe(1);
    await type("\r");
    const result = await reading;
    if (result.kind !== "line") throw new Error(`expected a line, got ${result.kind}`);
    expect(result.text.length).toBe(1024 * 1024 + 2);
    expect(`${result.text.at(0)}${result.text.at(-1)}`).toBe("[]");
  });

  test("Ctrl-L clears the screen, prints the banner and redraws the line", async () => {
    const { output, editor, type } = setup({ onClearScreen: () => "BANNER\nsecond line" });
    const reading = editor.read("> ");
    await type("abc\x1b[D");
    const before = output.written.length;
    await type("\x0c");
    expect(output.written.slice(before)).toBe(
      `\x1b[H\x1b[2JBANNER\r\nsecond line\r\n${CLEAR_TO_END}> abc\r\x1b[4C`,
    );
    await type("\r");
    expect(await reading).toEqual({ kind: "line", text: "abc" });
  });

  test("colour wraps the prompt in escapes; without colour the prompt is plain even if given escapes", async () => {
    const coloured = setup({ color: true });
    void coloured.editor.read("> ");
    expect(coloured.output.written).toBe("\x1b[?2004h\x1b[1m\x1b[36m> \x1b[39m\x1b[22m");
    coloured.editor.close();

    const plain = setup();
    void plain.editor.read("\x1b[31mred> \x1b[0m");
    expect(plain.output.written).toBe("\x1b[?2004hred> ");
    plain.editor.close();
  });
});

describe("completion and keys", () => {
  test("TAB with no candidate rings the bell", async () => {
    const { output, editor, type } = setup({ complete: slashCommands });
    const reading = editor.read("> ");
    await type("/x\t");
    expect(output.written).toEndWith("\x07");
    await type("\r");
    expect(await reading).toEqual({ kind: "line", text: "/x" });
  });

  test("a second TAB lists the candidates below the line and redraws it", async () => {
    const { output, editor, type } = setup({ complete: slashCommands });
    const reading = editor.read("> ");
    await type("/st\t");
    const before = output.written.length;
    await type("\t");
    expect(output.written.slice(before)).toBe(`\r\n/status  /stop\r\n${CLEAR_TO_END}> /st`);
    await type("a\t\r");
    expect(await reading).toEqual({ kind: "line", text: "/status " });
  });

  test("keys typed after Enter wait for the next read", async () => {
    const history: string[] = [];
    const { editor, type } = setup({ history });
    const first = editor.read("> ");
    await type("one\rtwo\r\x1b[A");
    expect(await first).toEqual({ kind: "line", text: "one" });
    history.push("one");
    expect(await editor.read("> ")).toEqual({ kind: "line", text: "two" });
    history.push("two");
    const third = editor.read("> ");
    await type("\r");
    expect(await third).toEqual({ kind: "line", text: "two" });
  });

  test("a lone Escape is dropped once the wait for a sequence is over; the next key counts", async () => {
    const { editor, type } = setup();
    const reading = editor.read("> ");
    await type("a\x1b");
    // Longer than the editor's wait, and started after it, so its timer has fired first.
    await Bun.sleep(100);
    await type("b\r");
    expect(await reading).toEqual({ kind: "line", text: "ab" });
  });

  test("Ctrl-C on a typed line clears it; on an empty line it is an interrupt", async () => {
    const { output, editor, type } = setup();
    const reading = editor.read("> ");
    await type("abc\x03");
    expect(output.written).toEndWith(`^C\r\n${CLEAR_TO_END}> `);
    await type("\x03");
    expect(await reading).toEqual({ kind: "interrupt" });
  });
});
