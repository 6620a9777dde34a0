import { describe, expect, test } from "bun:test";
import { Readable } from "node:stream";
import { PipedLineReader } from "../../src/repl/piped-input.ts";

const FIXTURE = new URL("./fixtures/piped-echo.ts", import.meta.url).pathname;

async function linesOf(chunks: (Uint8Array | string)[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of new PipedLineReader(Readable.from(chunks, { objectMode: true }))) lines.push(line);
  return lines;
}

/** Run the fixture with `stdin` as its standard input; returns its output lines and exit code. */
async function runFixture(stdin: Uint8Array): Promise<{ lines: string[]; code: number }> {
  const proc = Bun.spawn([process.execPath, FIXTURE], { stdin, stdout: "pipe", stderr: "inherit" });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { lines: out.trimEnd().split("\n"), code };
}

describe("PipedLineReader on a stream", () => {
  test("LF and CRLF endings are both removed; a lone CR inside a line stays", async () => {
    expect(await linesOf(["one\ntwo\r\nthr\ree\n"])).toEqual(["one", "two", "thr\ree"]);
  });

  test("a last line without a newline still counts; a trailing newline adds no empty line", async () => {
    expect(await linesOf(["a\nb"])).toEqual(["a", "b"]);
    expect(await linesOf(["a\n"])).toEqual(["a"]);
    expect(await linesOf(["a\n\n"])).toEqual(["a", ""]);
  });

  test("empty input is EOF straight away, and EOF repeats", async () => {
    const reader = new PipedLineReader(Readable.from([], { objectMode: true }));
    expect(await reader.next()).toBeNull();
    expect(await reader.next()).toBeNull();
  });

  test("a CRLF split between chunks is still one line ending", async () => {
    expect(await linesOf(["one\r", "\ntwo\r", "\n"])).toEqual(["one", "two"]);
  });

  test("a UTF-8 character split between chunks is decoded whole", async () => {
    const bytes = new TextEncoder().encode("日本\n");
    expect(await linesOf([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)])).toEqual(["日本"]);
  });

  test("invalid UTF-8 bytes become U+FFFD", async () => {
    expect(await linesOf([new Uint8Array([0x61, 0xff, 0xfe, 0x62, 0x0a, 0xc3, 0x0a])])).toEqual([
      "a\ufffd\ufffdb",
      "\ufffd",
    ]);
  });

  test("string chunks (a stream with an encoding set) work too", async () => {
    expect(await linesOf(["mixed ", "é\n", new TextEncoder().encode("next\n")])).toEqual(["mixed é", "next"]);
  });

  test("a byte-order mark is dropped from the first line only", async () => {
    expect(await linesOf(["\ufeffone\n\ufefftwo\n"])).toEqual(["one", "\ufefftwo"]);
  });

  test("reads one line at a time, leaving the rest for the next call", async () => {
    const reader = new PipedLineReader(Readable.from(["a\nb\nc"], { objectMode: true }));
    expect(await reader.next()).toBe("a");
    expect(await reader.next()).toBe("b");
    expect(await reader.next()).toBe("c");
    expect(await reader.next()).toBeNull();
  });

  test("a 1 MB line split over 64 KB chunks comes out whole", async () => {
    const line = "z".repeat(1024 * 1024);
    const chunks: string[] = [];
    for (let i = 0; i < line.length; i += 65535) chunks.push(line.slice(i, i + 65535));
    chunks.push("\nafter\n");
    const lines = await linesOf(chunks);
    expect(lines.length).toBe(2);
    expect(lines[0]).toBe(line);
    expect(lines[1]).toBe("after");
  });
});

describe("PipedLineReader on a real process's stdin", () => {
  test("invalid UTF-8, CRLF, and a final line without newline", async () => {
    const input = new Uint8Array([
      ...new TextEncoder().encode("/status\r\n"),
      0x62,
      0x61,
      0x64,
      0xff,
      0x0a,
      ...new TextEncoder().encode("last"),
    ]);
    const { lines, code } = await runFixture(input);
    expect(code).toBe(0);
    expect(lines).toEqual(['"/status"', '"bad\ufffd"', '"last"', "EOF"]);
  });

  test("a 1 MB line through a pipe", async () => {
    const input = new TextEncoder().encode(`${"q".repeat(1024 * 1024)}\nshort\n`);
    const { lines, code } = await runFixture(input);
    expect(code).toBe(0);
    expect(lines).toEqual([`${1024 * 1024} chars`, '"short"', "EOF"]);
  });

  test("no input at all is a clean EOF", async () => {
    const { lines, code } = await runFixture(new Uint8Array(0));
    expect(code).toBe(0);
    expect(lines).toEqual(["EOF"]);
  });
});
