/**
 * The line editor in a real terminal: tmux runs test/repl/fixtures/editor-demo.ts, which
 * completes /status /help /history /stop, prints a banner on start and on Ctrl-L, and
 * echoes each line it reads as `read: "<json>"`.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { formatCandidates } from "../../src/repl/editor.ts";
import { collectOutput } from "../helpers/subprocess.ts";
import { TmuxSession, type TmuxSessionOptions } from "../helpers/tmux.ts";

const DEMO = new URL("./fixtures/editor-demo.ts", import.meta.url).pathname;
const BANNER = "=== EMBER DEMO BANNER ===";

let tmux: TmuxSession | undefined;

afterEach(async () => {
  await tmux?.kill();
  tmux = undefined;
});

async function startDemo(options: Partial<TmuxSessionOptions> = {}): Promise<TmuxSession> {
  tmux = await TmuxSession.start({ command: [process.execPath, DEMO], width: 60, height: 20, ...options });
  await tmux.waitFor(/^demo>/m);
  return tmux;
}

/** Lines of the screen, for checks on what sits on which row. */
async function rows(session: TmuxSession): Promise<string[]> {
  return (await session.capture()).split("\n");
}

/**
 * The last prompt and the rows its line wrapped onto, and the cursor relative to the
 * prompt's row: what a wrapped line looks like wherever it sits on the screen.
 */
async function promptBlock(
  session: TmuxSession,
): Promise<{ lines: string[]; cursor: { x: number; y: number } }> {
  const screen = await rows(session);
  const top = screen.findLastIndex((line) => line.startsWith("demo>"));
  const cursor = await session.cursor();
  return { lines: screen.slice(top), cursor: { x: cursor.x, y: cursor.y - top } };
}

/**
 * `probe()` once it equals `expected`, or its last value after a generous wait. The
 * terminal may show the text of a redraw a moment before the cursor move that ends it.
 */
async function settled<T>(probe: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await probe();
  while (!Bun.deepEquals(value, expected) && Date.now() < deadline) {
    await Bun.sleep(40);
    value = await probe();
  }
  return value;
}

async function expectBlock(
  session: TmuxSession,
  expected: { lines: string[]; cursor: { x: number; y: number } },
): Promise<void> {
  expect(await settled(() => promptBlock(session), expected)).toEqual(expected);
}

/** Wait until the prompt line shows exactly `line` (trailing spaces are not captured). */
async function promptShows(session: TmuxSession, line: string): Promise<string> {
  const escaped = line.trimEnd().replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return session.waitFor(new RegExp(`^demo> ${escaped}$`, "m"));
}

describe("completion", () => {
  test("TAB with one candidate completes it and adds a space", async () => {
    const demo = await startDemo();
    await demo.sendText("/sta");
    await demo.sendKeys("Tab");
    await promptShows(demo, "/status");
    await demo.sendText("now");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "/status now"');
  });

  test("TAB with several candidates lists them at once and redraws the line", async () => {
    const demo = await startDemo();
    await demo.sendText("/h");
    await demo.sendKeys("Tab");
    // The line, the list under it, and the line drawn again below the list.
    const screen = await demo.waitFor(/^demo> \/h\n\/help +\/history\ndemo> \/h$/m);
    const listRow = screen.split("\n").findIndex((line) => /\/help +\/history/.test(line));
    // The redrawn line is live: the cursor is after "/h" and typing continues it.
    const cursor = { x: "demo> /h".length, y: listRow + 1 };
    expect(await settled(() => demo.cursor(), cursor)).toEqual(cursor);
    await demo.sendText("i");
    await demo.sendKeys("Tab", "Enter");
    await demo.waitFor('read: "/history "');
  });

  test("TAB extends to the common prefix of several candidates, and lists them", async () => {
    const demo = await startDemo();
    await demo.sendText("/s");
    await demo.sendKeys("Tab");
    await demo.waitFor(/^\/status +\/stop\ndemo> \/st$/m);
    await promptShows(demo, "/st");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "/st"');
  });

  test("TAB with no candidate leaves the line alone", async () => {
    const demo = await startDemo();
    await demo.sendText("/zzz");
    await demo.sendKeys("Tab", "Tab", "Enter");
    await demo.waitFor('read: "/zzz"');
  });

  test("candidates are laid out in columns that fit the width", () => {
    expect(formatCandidates(["/help", "/history"], 60)).toBe("/help     /history\r\n");
    expect(formatCandidates(["aaaa", "bb", "cc"], 13)).toBe("aaaa  bb\r\ncc\r\n");
    expect(formatCandidates(["a-very-long-candidate"], 5)).toBe("a-very-long-candidate\r\n");
  });
});

describe("Ctrl-L", () => {
  test("clears the screen, shows the banner and keeps the half-typed line and its cursor", async () => {
    const demo = await startDemo();
    await demo.sendText("/status");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "/status"');
    await demo.sendText("half typed");
    await demo.sendKeys("Left", "Left", "C-l");
    await demo.waitFor((screen) => screen === `${BANNER}\ndemo> half typed`);
    const cursor = { x: "demo> half typ".length, y: 1 };
    expect(await settled(() => demo.cursor(), cursor)).toEqual(cursor);
    await demo.sendText("X");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "half typXed"');
  });
});

describe("Ctrl-C and Ctrl-D", () => {
  test("Ctrl-C on a typed line clears it and gives a fresh prompt", async () => {
    const demo = await startDemo();
    await demo.sendText("abandon this");
    await demo.sendKeys("C-c");
    await demo.waitFor("demo> abandon this^C");
    await demo.sendText("next");
    await demo.sendKeys("Enter");
    const screen = await demo.waitFor('read: "next"');
    expect(screen).not.toContain("interrupt");
  });

  test("Ctrl-C on an empty line is an interrupt", async () => {
    const demo = await startDemo();
    await demo.sendKeys("C-c");
    const screen = await demo.waitFor(/^interrupt$/m);
    expect(screen).toContain("demo> ^C");
    await demo.sendText("still here");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "still here"');
  });

  test("Ctrl-D on an empty line is EOF: the program exits 0", async () => {
    const demo = await startDemo();
    await demo.sendKeys("C-d");
    await demo.waitFor(/^bye$/m);
    expect(await demo.waitForExit()).toBe(0);
  });

  test("Ctrl-D inside a line deletes the character under the cursor", async () => {
    const demo = await startDemo();
    await demo.sendText("abcd");
    await demo.sendKeys("Left", "Left", "C-d", "Enter");
    await demo.waitFor('read: "abd"');
    expect(await demo.exitStatus()).toBeNull();
  });
});

describe("history", () => {
  test("Up recalls earlier lines, Down returns to the line being typed", async () => {
    const demo = await startDemo();
    for (const line of ["first", "second"]) {
      await demo.sendText(line);
      await demo.sendKeys("Enter");
      await demo.waitFor(`read: "${line}"`);
    }
    await demo.sendText("draft");
    await demo.sendKeys("Up");
    await promptShows(demo, "second");
    await demo.sendKeys("Up");
    await promptShows(demo, "first");
    await demo.sendKeys("Down", "Down");
    await promptShows(demo, "draft");
    await demo.sendKeys("Up", "Up", "Enter");
    await demo.waitFor('read: "first"');
  });
});

describe("editing keys", () => {
  test("Home/End, Ctrl-A/E, Ctrl-W, Ctrl-U, Alt-B and Backspace", async () => {
    const demo = await startDemo();
    await demo.sendText("hello big world");
    await demo.sendKeys("C-w", "BSpace");
    await demo.sendKeys("C-a");
    await demo.sendText("[");
    await demo.sendKeys("C-e");
    await demo.sendText("]");
    await demo.sendKeys("M-b", "Home", "Right");
    await demo.sendText("_");
    await demo.sendKeys("End", "Enter");
    await demo.waitFor('read: "[_hello big]"');
    await demo.sendText("gone");
    await demo.sendKeys("C-u", "Enter");
    await demo.waitFor('read: ""');
  });

  test("several lines typed ahead in one burst are all read, in order", async () => {
    const demo = await startDemo();
    await demo.sendText("one\rtwo\rthree\r");
    const screen = await demo.waitFor('read: "three"');
    expect(screen.indexOf('read: "one"')).toBeLessThan(screen.indexOf('read: "two"'));
    expect(screen.indexOf('read: "two"')).toBeLessThan(screen.indexOf('read: "three"'));
  });
});

describe("long lines", () => {
  test("a line wrapping over three rows is edited in the middle and redrawn in place", async () => {
    const demo = await startDemo({ width: 20, height: 12 });
    const text = "abcdefghijklmnopqrstuvwxyz0123456789ABCD"; // 6 + 40 = 46 cells: rows of 20, 20, 6
    await demo.sendText(text);
    await demo.waitFor(/^89ABCD$/m);
    await expectBlock(demo, {
      lines: ["demo> abcdefghijklmn", "opqrstuvwxyz01234567", "89ABCD"],
      cursor: { x: 6, y: 2 },
    });
    // Back into the second row: 25 Lefts from the end lands between "o" and "p".
    await demo.sendKeys(...Array<string>(25).fill("Left"));
    await demo.sendText("++");
    await demo.waitFor(/^6789ABCD$/m);
    await expectBlock(demo, {
      lines: ["demo> abcdefghijklmn", "o++pqrstuvwxyz012345", "6789ABCD"],
      cursor: { x: 3, y: 1 },
    });
    // Deleting back across the row boundary pulls the rows up again.
    await demo.sendKeys("BSpace", "BSpace", "BSpace");
    await demo.waitFor(/^9ABCD$/m);
    await expectBlock(demo, {
      lines: ["demo> abcdefghijklmn", "pqrstuvwxyz012345678", "9ABCD"],
      cursor: { x: 0, y: 1 },
    });
    await demo.sendKeys("Enter");
    await demo.waitFor(`read: "abcdefghijklmnpqrstuvwxyz0123456789ABCD"`, { joinWrapped: true });
  });

  test("a line exactly filling its rows puts the cursor on the next row", async () => {
    const demo = await startDemo({ width: 20, height: 12 });
    await demo.sendText("x".repeat(34)); // 6 + 34 = 40 cells
    await demo.waitFor(/^x{20}$/m);
    await expectBlock(demo, {
      lines: [`demo> ${"x".repeat(14)}`, "x".repeat(20)],
      cursor: { x: 0, y: 2 },
    });
    await demo.sendKeys("Left");
    await demo.sendText("!");
    await demo.waitFor(/^x{19}!$/m);
    await expectBlock(demo, {
      lines: [`demo> ${"x".repeat(14)}`, `${"x".repeat(19)}!`, "x"],
      cursor: { x: 0, y: 2 },
    });
  });

  test("wide characters that do not fit at the end of a row move to the next one", async () => {
    const demo = await startDemo({ width: 20, height: 12 });
    await demo.sendText("abcdefghijklm日本語"); // 6 + 13 = 19 cells: 日 cannot take the last cell
    await demo.waitFor(/^日本語$/m);
    await expectBlock(demo, {
      lines: ["demo> abcdefghijklm", "日本語"],
      cursor: { x: 6, y: 1 },
    });
    await demo.sendKeys("Left", "Left", "Left", "BSpace");
    await demo.waitFor(/^demo> abcdefghijkl日$/m);
    await expectBlock(demo, {
      lines: ["demo> abcdefghijkl日", "本語"],
      cursor: { x: 18, y: 0 },
    });
    await demo.sendKeys("End", "Enter");
    await demo.waitFor('read: "abcdefghijkl日本語"', { joinWrapped: true });
  });

  test("pasting a 1 MB line does not hang and delivers every character", async () => {
    const demo = await startDemo({ width: 80, height: 24 });
    await demo.paste("p".repeat(1024 * 1024));
    await demo.sendKeys("Enter");
    await demo.waitFor(`read ${1024 * 1024} chars: "ppp"..."ppp"`, { timeoutMs: 60_000 });
  }, 90_000);

  test("pasting a 1 MB line into the middle of a line keeps both ends", async () => {
    const demo = await startDemo({ width: 80, height: 24 });
    await demo.sendText("[]");
    await demo.sendKeys("Left");
    await demo.paste("m".repeat(1024 * 1024));
    await demo.sendKeys("Enter");
    await demo.waitFor(`read ${1024 * 1024 + 2} chars: "[mm"..."mm]"`, { timeoutMs: 60_000 });
  }, 90_000);

  test("a bracketed multi-line paste stays multi-line, is not submitted, and Enter sends all of it", async () => {
    const demo = await startDemo();
    await demo.paste("first line\nsecond\tline");
    // The second line starts at column 0 of the next row; the cursor ends after it.
    await demo.waitFor(/^demo> first line\nsecond line$/m);
    const screen = await rows(demo);
    const second = screen.lastIndexOf("second line");
    expect(await settled(() => demo.cursor(), { x: 11, y: second })).toEqual({ x: 11, y: second });
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "first line\\nsecond line"');
  });

  test("Alt-Enter inserts a line break; editing goes on across it", async () => {
    const demo = await startDemo();
    await demo.sendText("what is");
    await demo.sendKeys("M-Enter");
    await demo.sendText("this?");
    await demo.waitFor(/^demo> what is\nthis\?$/m);
    await demo.sendKeys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace");
    await demo.sendText(" that?");
    await demo.waitFor(/^demo> what is that\?$/m);
    await demo.sendKeys("M-Enter", "Enter");
    await demo.waitFor('read: "what is that?\\n"');
  });
});

describe("Ctrl-R: reverse incremental history search", () => {
  async function withHistory(...lines: string[]): Promise<TmuxSession> {
    const demo = await startDemo();
    for (const line of lines) {
      await demo.sendText(line);
      await demo.sendKeys("Enter");
      await demo.waitFor(`read: ${JSON.stringify(line)}`);
    }
    return demo;
  }

  test("typing narrows to the newest match; Ctrl-R again goes older; Enter runs the match", async () => {
    const demo = await withHistory("/status now", "/search wifi", "/search power", "/help");
    await demo.sendKeys("C-r");
    await demo.waitFor(/^\(reverse-i-search\)'':$/m);
    await demo.sendText("sea");
    await demo.waitFor(/^\(reverse-i-search\)'sea': \/search power$/m);
    await demo.sendKeys("C-r");
    await demo.waitFor(/^\(reverse-i-search\)'sea': \/search wifi$/m);
    await demo.sendKeys("C-r");
    await demo.waitFor(/^\(failed reverse-i-search\)'sea': \/search wifi$/m);
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "/search wifi"');
  });

  test("Ctrl-G puts the line back as it was; another key takes the match and edits it", async () => {
    const demo = await withHistory("/status now", "/help");
    await demo.sendText("half typed");
    await demo.sendKeys("C-r");
    await demo.sendText("stat");
    await demo.waitFor(/^\(reverse-i-search\)'stat': \/status now$/m);
    await demo.sendKeys("C-g");
    await promptShows(demo, "half typed");
    await demo.sendKeys("C-u", "C-r");
    await demo.sendText("now");
    await demo.waitFor(/^\(reverse-i-search\)'now': \/status now$/m);
    await demo.sendKeys("End");
    await demo.sendText("!");
    await promptShows(demo, "/status now!");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "/status now!"');
  });
});

describe("edits reported as typed", () => {
  test("onEdit hears each change of the text after it is drawn, not the line Enter ends", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "ember-edits-")), "edits.jsonl");
    const demo = await startDemo({ env: { DEMO_EDIT_LOG: log } });
    const edits = () =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l))
        : [];
    await demo.sendText("ab");
    await promptShows(demo, "ab");
    // Moving the cursor changes no text: nothing is reported.
    await demo.sendKeys("Left", "Right", "BSpace");
    await promptShows(demo, "a");
    await demo.sendKeys("C-u");
    await settled(async () => edits().at(-1), "");
    await demo.sendText("q");
    await promptShows(demo, "q");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "q"');
    const seen = edits();
    rmSync(dirname(log), { recursive: true });
    // tmux may hand "ab" over as one chunk or two; every edit after it arrives alone.
    expect(seen.slice(-4)).toEqual(["ab", "a", "", "q"]);
    expect(seen.length === 4 || Bun.deepEquals(seen, ["a", "ab", "a", "", "q"])).toBe(true);
  });
});

describe("with jobs in between", () => {
  test("Ctrl-C during a job aborts the job, and the next prompt edits as before", async () => {
    const demo = await startDemo();
    await demo.sendText("/job");
    await demo.sendKeys("Enter");
    await demo.waitFor(/^job running$/m);
    await demo.sendKeys("C-c");
    await demo.waitFor(/^job aborted: InterruptedError$/m);
    await demo.waitFor(/^demo>$/m);
    await demo.sendText("/sta");
    await demo.sendKeys("Tab", "Enter");
    await demo.waitFor('read: "/status "');
    await demo.sendKeys("C-c");
    await demo.waitFor(/^interrupt$/m);
  });
});

describe("failures", () => {
  test("an exception during a read rejects it with the terminal back in cooked mode", async () => {
    const demo = await startDemo();
    await demo.sendText("/boom");
    await demo.sendKeys("Tab");
    await demo.waitFor("error: completer failed; raw: false");
    await demo.sendText("recovered");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "recovered"');
  });

  test("process.exit during a read leaves the terminal cooked and bracketed paste off", async () => {
    // After the demo exits, the shell reports the tty mode and echoes one pasted line
    // through cat -v: a terminal left in bracketed-paste mode would wrap it in ^[[200~.
    const script = [
      '"$0" "$1"; echo "exit $?"',
      "stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon",
      "echo 'paste now'; read -r line; printf 'pasted: %s\\n' \"$line\" | cat -v",
    ].join("; ");
    tmux = await TmuxSession.start({ command: ["sh", "-c", script, process.execPath, DEMO] });
    await tmux.waitFor(/^demo>/m);
    await tmux.sendText("/exit-mid-read");
    await tmux.sendKeys("Enter");
    const screen = await tmux.waitFor(/^paste now$/m);
    expect(screen).toContain("exit 3");
    expect(screen).toMatch(/^icanon$/m);
    await tmux.paste("probe\n");
    expect(await tmux.waitFor(/^pasted: /m)).toMatch(/^pasted: probe$/m);
  });
});

describe("colour and dumb terminals", () => {
  test("with colour on, the prompt carries colour escapes", async () => {
    const demo = await startDemo({ env: { DEMO_COLOR: "1" } });
    const screen = await demo.capture({ escapes: true });
    const firstEscape = screen.indexOf("\x1b[");
    expect(firstEscape).toBeGreaterThanOrEqual(0);
    expect(firstEscape).toBeLessThan(screen.lastIndexOf("demo>"));
  });

  test("with colour off, the screen has no colour escapes", async () => {
    const demo = await startDemo();
    await demo.sendText("/sta");
    await demo.sendKeys("Tab");
    await promptShows(demo, "/status");
    expect(await demo.capture({ escapes: true })).not.toContain("\x1b[");
  });

  test("TERM=dumb: no escapes even with colour asked for; lines and Ctrl-C still work", async () => {
    const demo = await startDemo({ env: { DEMO_COLOR: "1", TERM: "dumb" } });
    await demo.sendText("plain input");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "plain input"');
    await demo.sendKeys("C-c");
    await demo.waitFor(/^interrupt$/m);
    await demo.sendText("after");
    await demo.sendKeys("Enter");
    await demo.waitFor('read: "after"');
    expect(await demo.capture({ escapes: true })).not.toContain("\x1b[");
    await demo.sendKeys("C-d");
    expect(await demo.waitForExit()).toBe(0);
  });
});

describe("piped input", () => {
  test("reads lines without prompts or escapes and ends at EOF", async () => {
    const input = new Uint8Array([
      ...new TextEncoder().encode("/status\r\nbad "),
      0xff,
      0x0a,
      0x6c,
      0x61,
      0x73,
      0x74,
    ]);
    const { stdout, stderr, code } = await collectOutput(
      Bun.spawn([process.execPath, DEMO], { stdin: input, stdout: "pipe", stderr: "pipe" }),
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe(`${BANNER}\nread: "/status"\nread: "bad \ufffd"\nread: "last"\nbye\n`);
  });
});
