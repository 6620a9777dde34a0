/**
 * Fault class: lost or torn records. Two REPLs on one vault keep both's history; a full disk never
 * leaves half a log line for the next start to append to, and readers skip a damaged line; SIGTERM
 * and SIGHUP record the turn in flight as `stopped: "terminated"`, with its partial answer.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EngineClient } from "../../src/engine/client.ts";
import { enginePaths } from "../../src/engine/socket-path.ts";
import { emberEnv, MAIN, runEmber, tempVault } from "../helpers/ember-cli.ts";
import { serveEngine } from "../helpers/engine.ts";
import { tinyModelPath } from "../helpers/models.ts";
import { canMount, type Mount, mountTmpfs } from "../helpers/mounts.ts";

const vaults: string[] = [];
const mounts: Mount[] = [];
afterAll(() => {
  for (const mount of mounts) mount.unmount();
  for (const vault of vaults) rmSync(vault, { recursive: true, force: true });
});
function vault(): string {
  const dir = tempVault();
  vaults.push(dir);
  return dir;
}

/** An Ember started with piped input that stays open, fed a line at a time. */
function startEmber(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: dir,
    env: emberEnv(dir, env),
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of proc.stdout) chunks.push(decoder.decode(chunk, { stream: true }));
  })();
  return {
    proc,
    send: (line: string) => {
      proc.stdin.write(`${line}\n`);
      proc.stdin.flush();
    },
    stdout: () => chunks.join(""),
    finish: async () => {
      proc.stdin.end();
      const code = await proc.exited;
      await reading;
      return code;
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Nothing an operator should see from a crash: a stack frame or a code frame. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+[:(]/m);
  expect(text).not.toMatch(/^\s*\d+ \| /m);
}

const readLines = (file: string) => {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

describe("history shared by two REPLs", () => {
  test("compaction by one REPL keeps the other's newer lines", async () => {
    const dir = vault();
    mkdirSync(join(dir, "config"));
    writeFileSync(join(dir, "config", "site.yml"), "repl:\n  historySize: 4\n");
    const history = join(dir, "state", "history");
    const a = startEmber(dir, ["--keep-going"]);
    const b = startEmber(dir, ["--keep-going"]);
    try {
      // A and B share the file; A's line that takes it past twice the limit compacts it.
      for (let i = 1; i <= 7; i++) a.send(`/history ${i}`);
      await until("A's 7 lines", () => readLines(history).length === 7);
      b.send("/help history");
      await until("B's line", () => readLines(history).length === 8);
      a.send("/history 8");
      a.send("/history 9");
      await until("A's last line", () => readLines(history).at(-1) === "/history 9");
      expect(readLines(history)).toEqual([
        "/history 6",
        "/history 7",
        "/help history",
        "/history 8",
        "/history 9",
      ]);
    } finally {
      await Promise.all([a.finish(), b.finish()]);
    }
  }, 60_000);
});

describe.skipIf(!canMount)("a full disk under the log", () => {
  test("a failed write leaves no half line; the next start appends whole lines after the last whole one", async () => {
    const dir = vault();
    const disk = mountTmpfs("64k");
    mounts.push(disk);
    const logs = join(dir, "logs");
    rmSync(logs, { recursive: true, force: true });
    Bun.spawnSync(["ln", "-s", disk.dir, logs]);
    const log = join(disk.dir, "ember.log");
    // All of the tmpfs but its last page is taken; the log fills most of that page.
    writeFileSync(join(disk.dir, "filler"), Buffer.alloc(60 * 1024));
    const record = `${JSON.stringify({ time: new Date().toISOString(), level: "info", msg: "old" })}\n`;
    writeFileSync(log, record.repeat(Math.floor((4096 - 40) / record.length)));
    const before = statSync(log).size;

    const full = await runEmber(["status"], { vault: dir });
    expect(full.stdout).toContain("health:");
    const after = readFileSync(log, "utf8");
    expect(after.endsWith("\n")).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(before);

    // Space again: the next start's lines follow whole ones, and every line is a record.
    rmSync(join(disk.dir, "filler"));
    await runEmber(["status"], { vault: dir });
    for (const line of readLines(log)) expect(() => JSON.parse(line)).not.toThrow();
  }, 60_000);
});

describe("readers of the log", () => {
  test("ember logs skips a damaged line and says so", async () => {
    const dir = vault();
    mkdirSync(join(dir, "logs"));
    const good = JSON.stringify({ time: "2026-01-01T00:00:00.000Z", level: "info", msg: "kept" });
    writeFileSync(
      join(dir, "logs", "ember.log"),
      `${good}\n{"time":"2026-01-01T00:00:01.000Z","lev\n${good}\n`,
    );
    const logs = await runEmber(["logs", "--json"], { vault: dir });
    expect(logs.stdout).toBe(`${good}\n${good}\n`);
    expect(logs.stderr).toBe("ember logs: skipped 1 damaged line(s)\n");
    const readable = await runEmber(["logs"], { vault: dir });
    expect(readable.stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect(readable.stdout).not.toContain('"lev');
  });
});

describe("SIGTERM and SIGHUP in the middle of a turn", () => {
  // Big enough that the answer streams for a few seconds. At temperature 0 this seed always plans
  // /status and then answers with a stream of dots, so "." on stdout means the answer is streaming.
  const env = {
    LLAMA_CPP_MODEL: tinyModelPath({ embd: 256, layers: 4, seed: 3 }),
    LLAMA_CPP_MAX_TOKENS: "256",
    LLAMA_CPP_CONTEXT: "4096",
    LLAMA_CPP_TEMPERATURE: "0",
  };
  const transcript = (dir: string) => {
    const folder = join(dir, "logs", "transcripts");
    return readdirSync(folder).flatMap((file) =>
      readLines(join(folder, file)).map((line) => JSON.parse(line)),
    );
  };

  test("ember ask, SIGTERM: the turn is in the transcript, stopped and with the answer printed so far", async () => {
    const dir = vault();
    const ask = startEmber(dir, ["ask", "tell me a long story"], env);
    await until("the answer to stream", () => ask.stdout().includes("."), 60_000);
    ask.proc.kill("SIGTERM");
    const code = await ask.finish();
    expect(code).toBe(143);
    const [turn] = transcript(dir);
    expect(turn).toMatchObject({ question: "tell me a long story", stopped: "terminated" });
    expect(turn.answer.length).toBeGreaterThan(0);
    expect(ask.stdout().startsWith(turn.answer)).toBe(true);
  }, 90_000);

  test("ember ask attached to the engine, SIGTERM: the engine records the turn as terminated", async () => {
    const dir = vault();
    const engine = await serveEngine(dir, env);
    try {
      const ask = startEmber(dir, ["ask", "tell me a long story"], engine.env());
      await until("the answer to stream", () => ask.stdout().includes("."), 60_000);
      ask.proc.kill("SIGTERM");
      expect(await ask.finish()).toBe(143);
      const [turn] = transcript(dir);
      expect(turn).toMatchObject({ question: "tell me a long story", stopped: "terminated" });
      expect(turn.answer).toMatch(/^\.+$/);
    } finally {
      await engine.stop();
    }
  }, 90_000);

  test("ember serve, SIGTERM: the turn it runs for a client is recorded as terminated, and it exits cleanly", async () => {
    const dir = vault();
    const engine = await serveEngine(dir, env);
    const { pidFile } = enginePaths(dir, process.getuid?.(), engine.tmp);
    const ask = startEmber(dir, ["ask", "tell me a long story"], engine.env());
    try {
      await until("the answer to stream", () => ask.stdout().includes("..."), 60_000);
      engine.proc.kill("SIGTERM");
      expect(await engine.proc.exited).toBe(0);
      expect(await new Response(engine.proc.stderr).text()).toBe("");
      expect(existsSync(engine.socket)).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
      // The engine's record, and no second one ("engine lost") from the client.
      const turns = transcript(dir);
      expect(turns).toHaveLength(1);
      expect(turns[0]).toMatchObject({ question: "tell me a long story", stopped: "terminated" });
      expect(turns[0].answer).toMatch(/^\.+$/);
      // The client prints the partial answer, marks it, says why in one line, and fails.
      expect(await ask.finish()).toBe(1);
      expect(ask.stdout().startsWith(turns[0].answer)).toBe(true);
      expect(ask.stdout().endsWith(" [terminated]\n")).toBe(true);
      const said = (await new Response(ask.proc.stderr).text()).split("\n");
      expect(said.filter((line) => line.startsWith("ember ask:"))).toEqual([
        "ember ask: the engine was stopped (SIGTERM) during this turn",
      ]);
      expectNoStack(said.join("\n"));
    } finally {
      ask.proc.kill("SIGKILL");
      engine.proc.kill("SIGKILL");
    }
  }, 90_000);

  test("ember serve, SIGTERM under a REPL: one line says why, and the REPL carries on with a new engine", async () => {
    const dir = vault();
    const engine = await serveEngine(dir, env);
    const repl = startEmber(dir, ["--keep-going"], engine.env());
    try {
      repl.send("tell me a long story");
      await until("the answer to stream", () => repl.stdout().includes("..."), 60_000);
      engine.proc.kill("SIGTERM");
      expect(await engine.proc.exited).toBe(0);
      await until("the REPL to hear", () => repl.stdout().includes("during this turn"));
      const [turn] = transcript(dir);
      expect(turn).toMatchObject({ question: "tell me a long story", stopped: "terminated" });
      expect(repl.stdout()).toContain(
        `${turn.answer} [terminated]\nthe engine was stopped (SIGTERM) during this turn\n`,
      );
      await until("the engine back", () => repl.stdout().includes("the engine is back"), 60_000);
      repl.send("and now?");
      await until("the next answer", () => transcript(dir).some((t) => t.question === "and now?"), 60_000);
      const outcomes = transcript(dir).map((t) => [t.question, t.stopped ?? "answered"]);
      expect(outcomes.sort()).toEqual([
        ["and now?", "answered"],
        ["tell me a long story", "terminated"],
      ]);
      expectNoStack(repl.stdout());
    } finally {
      await new EngineClient(engine.socket).post("/v1/shutdown").catch(() => undefined);
      await repl.finish();
      rmSync(engine.tmp, { recursive: true, force: true });
    }
  }, 150_000);

  test("the REPL, SIGTERM before any turn: nothing to record, a clean exit", async () => {
    const dir = vault();
    const repl = startEmber(dir, [], env);
    repl.send("/history");
    await until("the REPL to answer", () => repl.stdout().includes("/history"));
    repl.proc.kill("SIGTERM");
    expect(await repl.proc.exited).toBe(143);
    expect(existsSync(join(dir, "logs", "transcripts"))).toBe(false);
    expect(await new Response(repl.proc.stderr).text()).toBe("");
  }, 60_000);

  test("the REPL, SIGHUP: the same", async () => {
    const dir = vault();
    const repl = startEmber(dir, [], env);
    repl.send("tell me a long story");
    await until("the answer to stream", () => repl.stdout().includes("..."), 60_000);
    repl.proc.kill("SIGHUP");
    const code = await repl.proc.exited;
    expect(code).toBe(129);
    const [turn] = transcript(dir);
    expect(turn).toMatchObject({ question: "tell me a long story", stopped: "terminated" });
    expect(turn.answer).toMatch(/^\.+$/);
    expect(repl.stdout()).toContain(`${turn.answer} [terminated]`);
  }, 90_000);
});
