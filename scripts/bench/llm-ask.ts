import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { logFile } from "../../src/app.ts";

/**
 * `ember ask QUESTION` in a process of its own, timed from the spawn to the first byte of the
 * answer on its standard output (commands and their output go to standard error). Once the answer
 * starts, the process gets SIGINT: the rest of the answer is not what is measured, and Ember's
 * Ctrl-C path still logs the turn. Where the time went comes from the log the process wrote.
 */

export interface AskRun {
  /** Spawn to the first answer byte. */
  firstAnswerMs: number;
  /** Spawn to the "start" log line: Bun, Ember's modules, config and log. */
  startedMs: number;
  /** Spawn to "model ready": the model file loaded and its context made (beside boot agents and index). */
  modelReadyMs: number;
  /** Spawn to the turn's start: the model ready and the boot agents done, whichever came last. */
  turnStartMs: number;
  /** The static prefix: "disk" (loaded from state/prefix-cache) or "evaluated" (and saved). */
  prefix: "disk" | "evaluated";
  /** Loading the static prefix, or evaluating and saving it. */
  prefixMs: number;
  staticTokens: number;
  /** The rest of the plan pass: the question's own tokens evaluated and the plan generated. */
  planMs: number;
  /** The plan's commands. */
  actMs: number;
  /** From the commands' end to the first answer byte: the responder's new tokens and one token. */
  answerStartMs: number;
  /** Tokens evaluated before the answer began (the static prefix among them when it was evaluated). */
  evaluatedTokens: number;
}

/** A line of Ember's JSON log (src/log/file-reporter.ts). */
export interface LogLine {
  time: string;
  msg?: string;
  [key: string]: unknown;
}

export async function askFresh(
  root: string,
  vaultDir: string,
  env: Record<string, string>,
  question: string,
): Promise<AskRun> {
  const run = await spawnAsk(root, vaultDir, env, [question], { stopAtAnswer: true });
  return breakdown(run.lines, run.spawnedAt, run.firstAnswerMs);
}

export interface AskProcess {
  /** Spawn to the first byte on standard output. */
  firstAnswerMs: number;
  /** Date.now() at the spawn, to place the log's times. */
  spawnedAt: number;
  /** The log lines this process wrote. */
  lines: LogLine[];
}

/**
 * `ember ask ARGS…` in a process of its own, timed to the first byte of its answer. With
 * `stopAtAnswer`, it gets SIGINT right then; otherwise it finishes (and saves what it saves).
 */
export async function spawnAsk(
  root: string,
  vaultDir: string,
  env: Record<string, string>,
  args: readonly string[],
  options: { stopAtAnswer: boolean },
): Promise<AskProcess> {
  const log = logFile(vaultDir);
  // This run's lines only.
  rmSync(log, { force: true });
  const spawnedAt = Date.now();
  const started = performance.now();
  const proc = Bun.spawn([process.execPath, join(root, "src", "main.ts"), "ask", ...args], {
    cwd: vaultDir,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  let firstAnswerMs: number | undefined;
  const reader = proc.stdout.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (firstAnswerMs === undefined && value.length > 0) {
      firstAnswerMs = performance.now() - started;
      if (options.stopAtAnswer) proc.kill("SIGINT");
    }
  }
  const code = await proc.exited;
  if (firstAnswerMs === undefined || (code !== 0 && code !== 130))
    throw new Error(
      `ember ask exited ${code}${firstAnswerMs === undefined ? " without an answer" : ""}: ${(await stderr).trim().split("\n")[0] ?? ""}`,
    );
  return { firstAnswerMs, spawnedAt, lines: readLog(log) };
}

/** Ember's log as lines; none when it was not written. */
export function readLog(file: string): LogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogLine);
}

function breakdown(lines: readonly LogLine[], spawnedAt: number, firstAnswerMs: number): AskRun {
  const find = (message: string) => {
    const line = lines.find((l) => l.msg === message);
    if (!line) throw new Error(`ember ask logged no "${message}" line`);
    return line;
  };
  const at = (line: LogLine) => Date.parse(line.time) - spawnedAt;
  const turn = find("turn");
  const figure = (key: string) => Number(turn[key] ?? 0);
  // `ember ask` begins its turn once the model is ready and the boot agents have reported (the
  // index check beside them logs nothing); a stopped turn logs no respondMs, so count forwards.
  const agents = lines.filter((l) => typeof l.agent === "string");
  const turnStartMs = Math.max(at(find("model ready")), ...agents.map(at));
  const loaded = lines.find((l) => l.msg === "prefix loaded");
  const prefixDone = loaded ?? find("prefix saved");
  // Log times have millisecond precision: a load faster than that may come out a little negative.
  const prefixMs = Math.max(0, at(prefixDone) - turnStartMs - figure("retrieveMs"));
  const actEnd = turnStartMs + figure("retrieveMs") + figure("planMs") + figure("actMs");
  return {
    firstAnswerMs,
    startedMs: at(find("start")),
    modelReadyMs: at(find("model ready")),
    turnStartMs,
    prefix: loaded ? "disk" : "evaluated",
    prefixMs,
    staticTokens: figure("staticTokens"),
    planMs: figure("planMs") - prefixMs,
    actMs: figure("actMs"),
    answerStartMs: firstAnswerMs - actEnd,
    evaluatedTokens: figure("evaluatedTokens"),
  };
}
