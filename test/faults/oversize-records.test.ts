/**
 * Fault class: a record Ember reads back (the REPL history, a session transcript, a saved
 * conversation's metadata) that has grown huge or is not a file at all (a FIFO planted in the
 * vault). Each is size-capped before it is parsed: the history and transcripts keep their newest
 * lines, a saved state counts as absent; Ember says so in one line naming the file, and keeps
 * working. Through the real program: `bun src/main.ts …`.
 */
import { describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runEmber, tempVaults } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";

const freshVault = tempVaults();

function vaultWith(files: Record<string, string>, fifos: string[] = []): string {
  const vault = freshVault();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(vault, name, ".."), { recursive: true });
    writeFileSync(join(vault, name), content);
  }
  for (const name of fifos) {
    mkdirSync(join(vault, name, ".."), { recursive: true });
    Bun.spawnSync(["mkfifo", join(vault, name)]);
  }
  return vault;
}

/** Nothing an operator should see from a crash: a stack frame or a code frame. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+[:(]/m);
  expect(text).not.toMatch(/^\s*\d+ \| /m);
}

// Reading a FIFO whole blocks for ever: before the cap, these commands never returned.
const HANG_GUARD = { timeoutMs: 20_000 };

describe("the REPL history", () => {
  const huge = `${"an old line typed long ago\n".repeat(120_000)}newest a\nnewest b\n`;

  test("over its cap: ember status names it in one line; the REPL keeps the newest lines and compacts it", async () => {
    const vault = vaultWith({ "state/history": huge });
    const history = join(vault, "state", "history");
    const status = await runEmber(["status"], { vault, ...HANG_GUARD });
    expectNoStack(status.stdout + status.stderr);
    const named = status.stdout.split("\n").filter((line) => line.includes(history));
    expect(named).toHaveLength(1);
    expect(named[0]).toContain(`${history}: over the 1.0 MiB limit; only its newest lines were read`);

    const repl = await runEmber([], { vault, stdin: "/history 3\n", ...HANG_GUARD });
    expectNoStack(repl.stdout + repl.stderr);
    expect(repl.stdout).toMatch(/newest a\n.*newest b\n.*\/history 3\n/);
    expect(repl.code).toBe(0);
    // The line typed compacted the file to the newest repl.historySize lines.
    const lines = readFileSync(history, "utf8").split("\n").filter(Boolean);
    expect(lines.slice(-3)).toEqual(["newest a", "newest b", "/history 3"]);
    expect(lines.length).toBeLessThanOrEqual(1000);
    expect(statSync(history).size).toBeLessThan(64 * 1024);
  });

  test("a FIFO instead of the file: every command still runs, and says why history is off", async () => {
    const vault = vaultWith({}, ["state/history"]);
    const status = await runEmber(["status"], { vault, ...HANG_GUARD });
    expectNoStack(status.stdout + status.stderr);
    expect(status.stdout).toContain(
      `history not read: ${join(vault, "state", "history")}: not a regular file`,
    );
    const repl = await runEmber([], { vault, stdin: "/history\n", ...HANG_GUARD });
    expect(repl.code).toBe(0);
    expect(repl.stdout).toContain("/history");
    expect(repl.stdout).toContain(
      `history not saved: ${join(vault, "state", "history")}: not a regular file`,
    );
  });
});

describe("session transcripts", () => {
  const turn = (question: string) =>
    `${JSON.stringify({ time: "2026-11-26T01:00:00.000Z", session: "s", question, answer: `answer to ${question}`, commands: [], grounding: [], timings: {} })}\n`;

  test("/history answers: an oversize transcript gives its newest turns, a FIFO is skipped; one line each", async () => {
    const big = "logs/transcripts/2026-11-25T10-00-00-000Z-1.jsonl";
    const fifo = "logs/transcripts/2026-11-26T10-00-00-000Z-2.jsonl";
    const vault = vaultWith({ [big]: turn("old question").repeat(40_000) + turn("newest question") }, [fifo]);
    const repl = await runEmber([], { vault, stdin: "/history answers 1\n", ...HANG_GUARD });
    expectNoStack(repl.stdout + repl.stderr);
    expect(repl.code).toBe(0);
    expect(repl.stdout).toContain(`${fifo}: not a regular file; skipped\n`);
    expect(repl.stdout).toContain(`${big}: over the 4.0 MiB limit; only its newest turns were read\n`);
    expect(repl.stdout).toContain("newest question");
    expect(repl.stdout).not.toContain("old question");
  });
});

describe("a saved ask conversation", () => {
  const metaOfLastAsk = (vault: string) => {
    const dir = join(vault, "state", "conversations");
    const session = readFileSync(join(dir, "last-ask"), "utf8").trim();
    const [meta] = readdirSync(dir).filter((name) => name.endsWith(`-${session}.json`));
    expect(meta).toBeDefined();
    return join(dir, meta!);
  };

  test("ember ask --continue: metadata over its cap or not JSON counts as absent, named in one line", async () => {
    const vault = freshVault();
    // The vault's own copy: saved states name the model file, and test processes rewrite the shared one.
    const model = join(vault, "model.gguf");
    copyFileSync(tinyModelPath(), model);
    const ask = (flags: string[], question: string) =>
      runEmber(["ask", "--json", ...flags, question], {
        vault,
        env: { LLAMA_CPP_MODEL: model, LLAMA_CPP_CONTEXT: "2048" },
      });
    const first = await ask([], "what is this node?");
    expect(first.stderr).toBe("");
    const meta = metaOfLastAsk(vault);
    // Valid JSON, padded past the 4 MiB a token list and a few fields could ever need.
    writeFileSync(meta, `${readFileSync(meta, "utf8").trimEnd()}${" ".repeat(5 * 1024 * 1024)}\n`);
    const oversize = await ask(["--continue"], "and then?");
    expectNoStack(oversize.stdout + oversize.stderr);
    expect(oversize.code).toBe(0);
    expect(JSON.parse(oversize.stdout).continued).toBe(false);
    expect(oversize.stderr).toBe(
      `ember ask: ${meta}: is 5.0 MiB, over the 4.0 MiB limit; not read; the saved state is ignored; this one starts afresh\n`,
    );
    expect(readFileSync(join(vault, "logs", "ember.log"), "utf8")).toContain('"msg":"saved state ignored"');

    // That turn saved a state of its own: damage its metadata the other way.
    const again = metaOfLastAsk(vault);
    writeFileSync(again, '{"version": 2, "tok');
    const damaged = await ask(["--continue"], "and now?");
    expectNoStack(damaged.stdout + damaged.stderr);
    expect(damaged.code).toBe(0);
    expect(damaged.stderr.startsWith(`ember ask: ${again}: not JSON (`)).toBe(true);
    expect(damaged.stderr.endsWith("); the saved state is ignored; this one starts afresh\n")).toBe(true);
    expect(damaged.stderr.split("\n")).toHaveLength(2);
  }, 90_000);
});
