/**
 * Start-up: how long the compiled binary takes from process start to its first prompt on a
 * terminal, against `bun -e ''` (the runtime's own floor) timed the same way; and the REPL's peak
 * resident memory idle and with the bench model loaded, against the model file's size.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isTarget, runningTarget } from "../../src/update/targets.ts";
import { buildBinary } from "./binaries.ts";
import { formatMiB, formatMs } from "./format.ts";
import { median, round } from "./stats.ts";
import { type ProcessMemory, processMemory, TerminalProcess, timeToExit } from "./terminal.ts";
import type { BenchContext, Section, SectionOutcome, TableRow } from "./types.ts";

/** Set through the vault's config so the prompt cannot be mistaken for anything in the banner. */
export const PROMPT = "bench-ready> ";
export const PROMPT_PATTERN = /bench-ready> /;
/** After the prompt, the REPL finishes booting (agents, index update) before it counts as idle. */
const IDLE_SETTLE_MS = 2000;
const MODEL_POLL_MS = 250;
const MODEL_TIMEOUT_MS = 300_000;

export const startup: Section = async (ctx) => {
  const target = runningTarget();
  if (!isTarget(target)) throw new Error(`Ember has no build for this machine (${target})`);
  const binary = await buildBinary(ctx, target);
  const { result, rows } = await measureStartup(ctx, [binary.path]);
  return { result: { binary: { target, bytes: binary.bytes }, ...result }, rows };
};

/** The start-up figures of the REPL started by `command` (the compiled binary; a stand-in in tests). */
export async function measureStartup(ctx: BenchContext, command: string[]): Promise<SectionOutcome> {
  const dir = join(ctx.workDir, "startup");
  const env = replEnv(dir, ctx.settings.threads);
  const run = { env, cwd: join(dir, "cwd") };
  const bunCommand = [process.execPath, "-e", ""];

  // The first run finds the runtime folder empty: the native addon is unpacked during it.
  ctx.log("startup: first run");
  const first = await timeToPrompt(command, run);
  // Warm runs alternate with the baseline so background load falls on both sides alike.
  const warmMs: number[] = [];
  const bunMs: number[] = [];
  let idle: ProcessMemory | undefined;
  for (let i = 0; i < ctx.settings.repetitions; i++) {
    ctx.log(`startup: warm run ${i + 1}/${ctx.settings.repetitions}`);
    const measureIdle = i === 0;
    const warm = await timeToPrompt(command, run, measureIdle);
    warmMs.push(warm.ms);
    idle ??= warm.memory;
    bunMs.push(await timeToExit(bunCommand, run));
  }
  ctx.log("startup: loading the bench model in the REPL");
  const loaded = await modelLoaded(command, {
    env: {
      ...env,
      LLAMA_CPP_MODEL: ctx.settings.model.path,
      LLAMA_CPP_CONTEXT: String(ctx.settings.contextSize),
    },
    cwd: run.cwd,
  });

  const warm = median(warmMs);
  const bun = median(bunMs);
  const modelBytes = ctx.settings.model.bytes;
  const result = {
    firstPromptMs: round(first.ms, 1),
    warmPromptMs: { median: round(warm, 1), runs: warmMs.map((ms) => round(ms, 1)) },
    bunExitMs: { median: round(bun, 2), runs: bunMs.map((ms) => round(ms, 2)) },
    promptRatio: round(warm / bun, 2),
    idle: idle!,
    withModel: {
      modelBytes,
      readyMs: round(loaded.readyMs, 0),
      ...loaded.memory,
      ratio: round(loaded.memory.peakBytes / modelBytes, 2),
    },
  };
  const runs = ctx.settings.repetitions;
  const rows: TableRow[] = [
    {
      section: "startup",
      figure: "first prompt, first run (empty runtime folder)",
      value: `${formatMs(first.ms)} vs bun -e '' ${formatMs(bun)}`,
      ratio: first.ms / bun,
    },
    {
      section: "startup",
      figure: `first prompt, warm (median of ${runs})`,
      value: `${formatMs(warm)} vs bun -e '' ${formatMs(bun)}`,
      ratio: warm / bun,
    },
    { section: "startup", figure: "peak RSS, REPL idle", value: formatMiB(idle!.peakBytes) },
    {
      section: "startup",
      figure: "peak RSS, REPL with the model loaded",
      value: `${formatMiB(loaded.memory.peakBytes)} vs model file ${formatMiB(modelBytes)}; now ${formatMiB(loaded.memory.anonBytes)} anonymous + ${formatMiB(loaded.memory.fileBytes)} mapped files (ready after ${formatMs(loaded.readyMs)})`,
      ratio: loaded.memory.peakBytes / modelBytes,
    },
  ];
  return { result, rows };
}

/** The REPL's environment: everything it writes stays in `dir`, no system config, fixed threads. */
function replEnv(dir: string, threads: number): Record<string, string> {
  const vault = join(dir, "vault");
  mkdirSync(join(vault, "config"), { recursive: true });
  mkdirSync(join(dir, "home"), { recursive: true });
  mkdirSync(join(dir, "cwd"), { recursive: true });
  writeFileSync(join(vault, "config", "bench.yml"), `repl:\n  prompt: "${PROMPT}"\n`);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const ours = key.startsWith("LLAMA_") || key.startsWith("EMBER_") || key.startsWith("XDG_");
    if (value !== undefined && !ours && key !== "TMUX" && key !== "NO_COLOR") env[key] = value;
  }
  return {
    ...env,
    TERM: "xterm-256color",
    HOME: join(dir, "home"),
    VAULT_DIR: vault,
    EMBER_RUNTIME_DIR: join(dir, "runtime"),
    EMBER_SYSTEM_CONFIG: "/nonexistent",
    LLAMA_CPP_THREADS: String(threads),
    // A standalone REPL, as before the engine: it loads the model itself (the engine section's baseline).
    EMBER_ENGINE: "off",
  };
}

interface PromptRun {
  ms: number;
  memory?: ProcessMemory;
}

/** Starts the REPL, times its first prompt, optionally reads its memory once it has settled, quits. */
async function timeToPrompt(
  command: string[],
  options: { env: Record<string, string>; cwd: string },
  measureIdle = false,
): Promise<PromptRun> {
  const repl = new TerminalProcess(command, options);
  try {
    const { ms } = await repl.waitFor(PROMPT_PATTERN);
    if (!measureIdle) return { ms };
    await Bun.sleep(IDLE_SETTLE_MS);
    return { ms, memory: processMemory(repl.pid) };
  } finally {
    await repl.stop("quit\r");
  }
}

/** Starts the REPL with a model and asks `/model` until it says the model is loaded. */
export async function modelLoaded(
  command: string[],
  options: { env: Record<string, string>; cwd: string },
): Promise<{ readyMs: number; memory: ProcessMemory }> {
  const repl = new TerminalProcess(command, options);
  try {
    let seen = await repl.waitFor(PROMPT_PATTERN);
    const deadline = performance.now() + MODEL_TIMEOUT_MS;
    for (;;) {
      repl.write("/model\r");
      // `/model` ends with one status line: "* loaded, …", "* loading…", "* not loaded: why".
      seen = await repl.waitFor(/\* (loaded|loading|not loaded|loads on)[^\r\n]*/, { from: seen.end });
      if (seen.match.startsWith("* loaded")) break;
      if (!seen.match.startsWith("* loading"))
        throw new Error(`the REPL did not load the model: ${seen.match}`);
      if (performance.now() > deadline)
        throw new Error(`the model was not loaded after ${MODEL_TIMEOUT_MS / 1000} s`);
      seen = await repl.waitFor(PROMPT_PATTERN, { from: seen.end });
      await Bun.sleep(MODEL_POLL_MS);
    }
    return { readyMs: seen.ms, memory: processMemory(repl.pid) };
  } finally {
    await repl.stop("quit\r");
  }
}
