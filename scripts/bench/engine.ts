/**
 * The engine: one model for every pane (docs/ENGINE.md), measured against what it replaces.
 * - memory: the summed resident memory of the engine, three attached REPLs and one `ember ask`
 *   against one standalone REPL with the model loaded (the per-pane cost before the engine);
 * - start overhead: spawning `ember ask` to its turn starting in a warm engine, against
 *   `ember ask --no-engine` (which loads the model first);
 * - switching: what it costs a conversation to get the model back after another conversation's
 *   turn (two panes taking turns): the engine's save of the other's state and load of its own, and
 *   whether its turn then found all its earlier tokens evaluated;
 * - two panes at once: both answers complete and equal to the same questions asked alone, and
 *   the second pane's wait against the first pane's turn.
 * Everything runs from source (`bun src/main.ts`) on both sides, with greedy sampling.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { logFile } from "../../src/app.ts";
import type { EngineTurnResult } from "../../src/engine/api.ts";
import { EngineClient } from "../../src/engine/client.ts";
import { enginePaths } from "../../src/engine/socket-path.ts";
import { formatMiB, formatMs } from "./format.ts";
import { readLog } from "./llm-ask.ts";
import { makeLlmVault, question } from "./llm-vault.ts";
import { modelLoaded, PROMPT, PROMPT_PATTERN } from "./startup.ts";
import { median, round } from "./stats.ts";
import { processMemory, TerminalProcess } from "./terminal.ts";
import { type BenchContext, check, type Section, type TableRow } from "./types.ts";

const MEMORY_TARGET = 1.3;
const START_TARGET = 0.1;
const SWITCH_TARGET_MS = 250;
/** "About one turn": the second pane waits at most this many times the first pane's turn. */
const WAIT_TARGET = 1.25;
const ATTACHED_REPLS = 3;
const SETTLE_MS = 2000;
const POLL_MS = 20;

export const engine: Section = async (ctx) => {
  const vault = await makeLlmVault(ctx, "engine-vault");
  writeFileSync(
    join(vault.dir, "config", "engine-bench.yml"),
    `repl:\n  prompt: "${PROMPT}"\nengine:\n  idleMinutes: 0\n`,
  );
  const tmp = join(ctx.workDir, "engine-tmp");
  mkdirSync(tmp, { recursive: true });
  mkdirSync(join(ctx.workDir, "engine-home"), { recursive: true });
  const env = {
    ...vault.env,
    HOME: join(ctx.workDir, "engine-home"),
    TMPDIR: tmp,
    TERM: "xterm-256color",
    LLAMA_CPP_TEMPERATURE: "0",
  };
  const ember = [process.execPath, join(ctx.root, "src", "main.ts")];
  const run = { cwd: vault.dir };

  ctx.log("engine: standalone REPL with the model (the baseline)");
  const standalone = await modelLoaded(ember, { ...run, env: { ...env, EMBER_ENGINE: "off" } });

  ctx.log("engine: ember serve, loading the model");
  const serve = Bun.spawn([...ember, "serve"], {
    ...run,
    env: { ...env, EMBER_ENGINE: "on" },
    stdout: "ignore",
    stderr: "ignore",
  });
  const client = new EngineClient(enginePaths(vault.dir, process.getuid?.(), tmp).socket);
  const repls: TerminalProcess[] = [];
  try {
    await until(
      "the engine's model",
      async () => (await client.status().catch(() => undefined))?.model.state === "ready",
    );
    ctx.log(`engine: ${ATTACHED_REPLS} attached REPLs and one ember ask`);
    for (let i = 0; i < ATTACHED_REPLS; i++) {
      const repl = new TerminalProcess(ember, { ...run, env: { ...env, EMBER_ENGINE: "on" } });
      repls.push(repl);
      await repl.waitFor(PROMPT_PATTERN);
    }
    await Bun.sleep(SETTLE_MS);
    const replBytes = repls.map((r) => processMemory(r.pid).rssBytes);
    const askPeak = await askPeakMemory(ember, run.cwd, { ...env, EMBER_ENGINE: "on" }, question(1));
    const engineBytes = processMemory(serve.pid).rssBytes;
    const sum = engineBytes + replBytes.reduce((a, b) => a + b, 0) + askPeak;
    const memoryRatio = sum / standalone.memory.rssBytes;

    ctx.log("engine: start overhead, warm engine vs --no-engine");
    const warmMs: number[] = [];
    const coldMs: number[] = [];
    for (let i = 0; i < ctx.settings.repetitions; i++) {
      warmMs.push(await timeToTurnStart(ember, run.cwd, { ...env, EMBER_ENGINE: "on" }, vault.dir));
      coldMs.push(await timeToTurnStart(ember, run.cwd, { ...env, EMBER_ENGINE: "off" }, vault.dir));
    }
    const startRatio = median(warmMs) / median(coldMs);

    ctx.log("engine: switching conversations between two panes");
    const switching = await measureSwitching(ctx, client, logFile(vault.dir));

    ctx.log("engine: two panes at once");
    const together = await twoPanesAtOnce(client);

    const result = {
      memory: {
        standaloneReplBytes: standalone.memory.rssBytes,
        engineBytes,
        attachedReplBytes: replBytes,
        askPeakBytes: askPeak,
        sumBytes: sum,
        check: check(round(memoryRatio, 2), MEMORY_TARGET, "<="),
      },
      startOverhead: {
        warmMs: warmMs.map((ms) => round(ms, 0)),
        noEngineMs: coldMs.map((ms) => round(ms, 0)),
        check: check(round(startRatio, 3), START_TARGET, "<="),
      },
      switching: { ...switching, check: check(switching.switchMs, SWITCH_TARGET_MS, "<=") },
      twoPanes: { ...together, check: check(round(together.waitRatio, 2), WAIT_TARGET, "<=") },
    };
    const rows: TableRow[] = [
      {
        section: "engine",
        figure: `RSS: engine + ${ATTACHED_REPLS} attached REPLs + ember ask vs one standalone REPL`,
        value: `${formatMiB(sum)} (engine ${formatMiB(engineBytes)}, REPLs ${replBytes.map(formatMiB).join(", ")}, ask ${formatMiB(askPeak)}) vs ${formatMiB(standalone.memory.rssBytes)}`,
        check: result.memory.check,
      },
      {
        section: "engine",
        figure: "ember ask: spawn to turn start, warm engine vs --no-engine",
        value: `${formatMs(median(warmMs))} vs ${formatMs(median(coldMs))} (model load included)`,
        check: result.startOverhead.check,
      },
      {
        section: "engine",
        figure: "switching conversations between two panes (save the other's state, load its own)",
        value: `${formatMs(switching.switchMs)}, median of ${switching.switches} switches (the engine's log); every turn after one found all its earlier tokens evaluated: ${switching.allReused ? "yes" : "no"}; time to first answer after the other pane ${formatMs(switching.afterOtherMs)} vs after its own turn ${formatMs(switching.afterOwnMs)} (other questions and plans: no target)`,
        check: result.switching.check,
      },
      {
        section: "engine",
        figure: "two panes at once: second pane's wait vs first pane's turn",
        value: `both complete: ${together.complete ? "yes" : "no"}, answers equal to solo runs: ${together.equalToSolo}/2; wait ${formatMs(together.secondWaitMs)} vs turn ${formatMs(together.firstTurnMs)}`,
        check: result.twoPanes.check,
      },
    ];
    return { result, rows };
  } finally {
    for (const repl of repls) await repl.stop("quit\r");
    serve.kill("SIGTERM");
    await serve.exited;
  }
};

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/** Runs `ember ask` to its end, reading its resident memory as it goes; returns the most it had. */
async function askPeakMemory(ember: string[], cwd: string, env: Record<string, string>, asked: string) {
  const proc = Bun.spawn([...ember, "ask", asked], { cwd, env, stdout: "ignore", stderr: "pipe" });
  let peak = 0;
  while (proc.exitCode === null) {
    try {
      peak = Math.max(peak, processMemory(proc.pid).peakBytes);
    } catch {
      // It exited between the check and the read.
    }
    await Bun.sleep(POLL_MS);
  }
  if ((await proc.exited) !== 0)
    throw new Error(`ember ask failed: ${(await new Response(proc.stderr).text()).trim()}`);
  return peak;
}

/**
 * Milliseconds from spawning `ember ask` to the "turn start" its engine logs (in the engine, or in
 * the ask process itself with --no-engine); the ask is then interrupted: the rest of the turn is
 * not what is measured.
 */
async function timeToTurnStart(ember: string[], cwd: string, env: Record<string, string>, vaultDir: string) {
  const log = logFile(vaultDir);
  const spawnedAt = Date.now();
  const proc = Bun.spawn([...ember, "ask", question(2)], { cwd, env, stdout: "ignore", stderr: "ignore" });
  let startedAt: number | undefined;
  while (startedAt === undefined) {
    startedAt = turnStartSince(log, spawnedAt);
    if (startedAt === undefined && proc.exitCode !== null)
      throw new Error(`ember ask exited ${proc.exitCode} before its turn started`);
    await Bun.sleep(POLL_MS);
  }
  proc.kill("SIGINT");
  await proc.exited;
  return startedAt - spawnedAt;
}

function turnStartSince(log: string, since: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"turn start"')) continue;
    const time = Date.parse((JSON.parse(line) as { time: string }).time);
    if (time >= since) return time;
  }
  return undefined;
}

interface TimedTurn {
  result: EngineTurnResult;
  sentAt: number;
  startedAt: number;
  firstAnswerAt?: number;
  doneAt: number;
}

async function timedAsk(client: EngineClient, conversation: string, asked: string): Promise<TimedTurn> {
  const sentAt = performance.now();
  let startedAt = sentAt;
  let firstAnswerAt: number | undefined;
  const result = await client.ask(conversation, asked, {
    events: {
      onStarted: () => {
        startedAt = performance.now();
      },
      onAnswerText: () => {
        firstAnswerAt ??= performance.now();
      },
    },
  });
  return {
    result,
    sentAt,
    startedAt,
    ...(firstAnswerAt !== undefined ? { firstAnswerAt } : {}),
    doneAt: performance.now(),
  };
}

const toFirstAnswer = (turn: TimedTurn) => (turn.firstAnswerAt ?? turn.doneAt) - turn.startedAt;

/**
 * Two panes' conversations, each a turn in: then, repeatedly, pane B asks right after pane A (a
 * switch) and right after its own turn (none). The switch's cost is what the engine logs for it
 * (saving A's state, loading B's), provided B's turn then found all of B's earlier tokens
 * evaluated; if it did not, the re-evaluation is a cost of the switch too, and B's time to its
 * first answer after A against after its own turn is taken instead. That difference is shown in
 * any case, but with random weights the two turns ask other questions and make other plans, so it
 * swings by whole seconds either way: it cannot carry the target on its own.
 */
async function measureSwitching(ctx: BenchContext, client: EngineClient, log: string) {
  const [a, b] = [await client.newConversation(), await client.newConversation()];
  await timedAsk(client, a, question(3));
  let held = (await timedAsk(client, b, question(4))).result.timings.contextTokens;
  const afterOther: number[] = [];
  const afterOwn: number[] = [];
  let allReused = true;
  let turn = 5;
  // Three turns a repetition: two repetitions are enough for a median of a few seconds' work.
  for (let i = 0; i < Math.min(2, ctx.settings.repetitions); i++) {
    await timedAsk(client, a, question(turn++));
    const switched = await timedAsk(client, b, question(turn++));
    allReused &&= switched.result.timings.reusedTokens >= held;
    afterOther.push(toFirstAnswer(switched));
    const own = await timedAsk(client, b, question(turn++));
    afterOwn.push(toFirstAnswer(own));
    held = own.result.timings.contextTokens;
  }
  const switches = readLog(log)
    .filter((line) => line.msg === "sequence switch" && line.to === b && line.restored === true)
    .map((line) => Number(line.ms));
  const afterOtherMs = median(afterOther);
  const afterOwnMs = median(afterOwn);
  const swapMs = switches.length > 0 ? median(switches) : Number.POSITIVE_INFINITY;
  return {
    afterOtherMs: round(afterOtherMs, 0),
    afterOwnMs: round(afterOwnMs, 0),
    switches: switches.length,
    allReused,
    swapMs: round(swapMs, 0),
    switchMs: round(allReused ? swapMs : Math.max(swapMs, afterOtherMs - afterOwnMs), 0),
  };
}

/** Solo answers first, then the same two questions from two panes at the same moment. */
async function twoPanesAtOnce(client: EngineClient) {
  const questions = [question(1), question(2)] as const;
  const solo = [
    await timedAsk(client, await client.newConversation(), questions[0]),
    await timedAsk(client, await client.newConversation(), questions[1]),
  ];
  const [one, two] = [await client.newConversation(), await client.newConversation()];
  const both = await Promise.all([timedAsk(client, one, questions[0]), timedAsk(client, two, questions[1])]);
  const [first, second] = both[0].startedAt <= both[1].startedAt ? both : [both[1], both[0]];
  // Complete: each turn ran to its end (random weights may well answer with nothing at all).
  const complete = both.every((t) => t.result.stopped === undefined);
  const equalToSolo = both.filter((t, i) => t.result.response === solo[i]!.result.response).length;
  const secondWaitMs = second.startedAt - second.sentAt;
  const firstTurnMs = first.doneAt - first.startedAt;
  return {
    complete,
    answers: both.map((t) => ({
      chars: t.result.response.length,
      ...(t.result.stopped ? { stopped: t.result.stopped } : {}),
    })),
    equalToSolo,
    secondWaitMs: round(secondWaitMs, 0),
    firstTurnMs: round(firstTurnMs, 0),
    waitRatio: secondWaitMs / firstTurnMs,
  };
}
