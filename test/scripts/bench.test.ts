import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchReport, runSections, writeReport } from "../../scripts/bench/harness.ts";
import { runWorker, WORKER_CONTEXT_ENV } from "../../scripts/bench/isolate.ts";
import { cpuName } from "../../scripts/bench/machine.ts";
import { benchSettings, prepareModel } from "../../scripts/bench/settings.ts";
import { sizes } from "../../scripts/bench/sizes.ts";
import { measureStartup } from "../../scripts/bench/startup.ts";
import { median, percentile } from "../../scripts/bench/stats.ts";
import { renderTable } from "../../scripts/bench/table.ts";
import { processMemory, TerminalProcess, timeToExit } from "../../scripts/bench/terminal.ts";
import { type BenchContext, type BenchSettings, check, type Section } from "../../scripts/bench/types.ts";
import { vault } from "../../scripts/bench/vault.ts";

const ROOT = join(import.meta.dir, "..", "..");
const BENCH = join(ROOT, "scripts", "bench.ts");
const dir = mkdtempSync(join(tmpdir(), "ember-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let scratch = 0;
function scratchDir(): string {
  const path = join(dir, `work-${++scratch}`);
  mkdirSync(path, { recursive: true });
  return path;
}

const TINY_SIZES = {
  decodeTokens: 4,
  preambleTokens: 50,
  turns: 1,
  typedTurns: 1,
  typingCharsPerSecond: 30,
  vaultFiles: 200,
  vaultQueries: 20,
  vaultChanges: 3,
  mixedPdfs: 6,
  mixedHtml: 2,
  mixedEpubs: 1,
};

function tinyContext(overrides: Partial<BenchSettings> = {}): BenchContext & { lines: string[] } {
  const base = benchSettings({ quick: true, threads: 1, root: ROOT });
  const lines: string[] = [];
  return {
    settings: { ...base, repetitions: 2, sizes: TINY_SIZES, ...overrides },
    root: ROOT,
    workDir: scratchDir(),
    log: (line) => lines.push(line),
    lines,
  };
}

describe("stats", () => {
  test("median of odd and even counts, whatever the order", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  test("nearest-rank percentiles", () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
    expect(percentile(values, 0)).toBe(1);
    expect(() => percentile(values, 101)).toThrow(RangeError);
  });
});

describe("table", () => {
  test("one Markdown line per row: ratio, target and met only where they exist", () => {
    const table = renderTable([
      { section: "decode", figure: "speed", value: "30 tok/s vs 31 tok/s", check: check(0.968, 0.9, ">=") },
      { section: "turn", figure: "latency", value: "2.5 s vs 1 s", check: check(2.5, 2, "<=") },
      { section: "vault", figure: "re-index", value: "80 ms vs 1 s", ratio: 0.08 },
      { section: "sizes", figure: "failed", value: "build: a | b\nsecond line" },
    ]);
    const lines = table.trimEnd().split("\n");
    expect(lines[0]).toBe("| section | figure | value | ratio | target | met |");
    expect(lines[1]).toBe("| --- | --- | --- | --- | --- | --- |");
    expect(lines[2]).toBe("| decode | speed | 30 tok/s vs 31 tok/s | 0.968 | >= 0.900 | yes |");
    expect(lines[3]).toBe("| turn | latency | 2.5 s vs 1 s | 2.50 | <= 2.00 | **no** |");
    expect(lines[4]).toBe("| vault | re-index | 80 ms vs 1 s | 0.0800 |  |  |");
    expect(lines[5]).toBe("| sizes | failed | build: a \\| b second line |  |  |  |");
    expect(lines).toHaveLength(6);
  });
});

describe("harness", () => {
  test("a section that throws or cannot load is reported; the others still run, in order", async () => {
    const ctx = tinyContext();
    const ran: string[] = [];
    const ok =
      (name: string): Section =>
      async () => {
        ran.push(name);
        return { result: { value: 1 }, rows: [{ section: name, figure: "f", value: "1" }] };
      };
    const run = await runSections(
      [
        { name: "first", load: async () => ok("first") },
        {
          name: "broken",
          load: async () => async () => {
            throw new Error("out of cheese\nstack details");
          },
        },
        { name: "missing", load: () => import(join(dir, "no-such-section.ts")) },
        { name: "last", load: async () => ok("last") },
      ],
      ctx,
    );
    expect(ran).toEqual(["first", "last"]);
    expect(run.failed).toEqual(["broken", "missing"]);
    expect(run.results.first).toEqual({ value: 1 });
    expect(run.results.broken).toEqual({ error: "out of cheese" });
    expect(String(run.results.missing?.error)).toContain("no-such-section");
    expect(run.rows.map((row) => `${row.section}:${row.figure}`)).toEqual([
      "first:f",
      "broken:failed",
      "missing:failed",
      "last:f",
    ]);
    expect(Object.keys(run.seconds)).toEqual(["first", "broken", "missing", "last"]);
    expect(ctx.lines).toContain("broken: failed: out of cheese");
  });

  test("the report is written whole, replacing the old one, into a folder it creates", () => {
    const path = join(scratchDir(), "nested", "results.json");
    const report = (total: number): BenchReport => ({
      date: "2026-01-01T00:00:00.000Z",
      machine: { cores: 2, cpu: "test", memory: 1, arch: "x64" },
      versions: { ember: "0.0.0", bun: "1", nodeLlamaCpp: "3", llamaCpp: "b1" },
      settings: tinyContext().settings,
      results: { vault: { files: total } },
      seconds: { total },
    });
    writeReport(path, report(1));
    writeReport(path, report(2));
    expect(JSON.parse(readFileSync(path, "utf8")).results.vault.files).toBe(2);
    // No temp file is left beside it.
    expect(readdirSync(join(path, ".."))).toEqual(["results.json"]);
  });
});

describe("sections in processes of their own", () => {
  // Stands in for scripts/bench/worker.ts: behaves as its first argument says.
  const fakeWorker = join(dir, "fake-worker.ts");
  writeFileSync(
    fakeWorker,
    `
import { writeFileSync } from "node:fs";
const [mode, outcomeFile] = process.argv.slice(2);
const context = JSON.parse(process.env.${WORKER_CONTEXT_ENV});
if (mode === "ok") {
  const rows = [{ section: "fake", figure: "workDir", value: context.workDir }];
  writeFileSync(outcomeFile, JSON.stringify({ ok: true, outcome: { result: { threads: context.settings.threads }, rows } }));
} else if (mode === "error") {
  writeFileSync(outcomeFile, JSON.stringify({ ok: false, error: "no model here" }));
  process.exit(1);
} else if (mode === "abort") {
  process.kill(process.pid, "SIGABRT");
} else if (mode === "hang") {
  setInterval(() => {}, 1000);
}
`,
  );
  const context = () => {
    const ctx = tinyContext();
    return { settings: ctx.settings, root: ROOT, workDir: ctx.workDir };
  };
  const command = (mode: string) => [process.execPath, fakeWorker, mode];

  test("the outcome comes back from the process, built from the context it was given", async () => {
    const ctx = context();
    const outcome = await runWorker(command("ok"), ctx, 30_000);
    expect(outcome.result).toEqual({ threads: 1 });
    expect(outcome.rows).toEqual([{ section: "fake", figure: "workDir", value: ctx.workDir }]);
    // The outcome's scratch folder is gone.
    expect(readdirSync(ctx.workDir)).toEqual([]);
  });

  test("an error, a crash and a hang each become a one-line reason", async () => {
    await expect(runWorker(command("error"), context(), 30_000)).rejects.toThrow(/^no model here$/);
    await expect(runWorker(command("abort"), context(), 30_000)).rejects.toThrow(
      "the section's process was killed by SIGABRT before reporting",
    );
    await expect(runWorker(command("exit"), context(), 30_000)).rejects.toThrow(
      "the section's process exited with code 0 before reporting",
    );
    await expect(runWorker(command("hang"), context(), 1000)).rejects.toThrow("did not finish within 1 s");
  });
});

describe("settings and machine", () => {
  test("quick and full runs differ in model and sizes; the model's size is known before it is written", () => {
    const full = benchSettings({ quick: false, threads: 2, root: ROOT });
    const quick = benchSettings({ quick: true, threads: 3, root: ROOT });
    expect(full.model.path).toBe(join(ROOT, "models", "bench", "llama-3.2-1b-q4_0-seed1.gguf"));
    expect(full.sizes).toEqual({
      decodeTokens: 128,
      preambleTokens: 1500,
      turns: 3,
      typedTurns: 6,
      typingCharsPerSecond: 6,
      vaultFiles: 10_000,
      vaultQueries: 200,
      vaultChanges: 10,
      mixedPdfs: 1000,
      mixedHtml: 100,
      mixedEpubs: 20,
    });
    expect(full.repetitions).toBe(3);
    expect(full.model.bytes).toBe(699_249_792);
    expect(quick.model.shape).toBe("tiny-bench");
    expect(quick.threads).toBe(3);
    expect(quick.repetitions).toBe(1);
    expect(quick.sizes.vaultFiles).toBeLessThan(full.sizes.vaultFiles);
  });

  test("prepareModel writes the quick model once, then reuses it", () => {
    const settings = benchSettings({ quick: true, threads: 1, root: ROOT });
    const path = join(scratchDir(), "models", "quick.gguf");
    const own = { ...settings, model: { ...settings.model, path } };
    expect(prepareModel(own)).toBe("written");
    expect(Bun.file(path).size).toBe(settings.model.bytes);
    expect(prepareModel(own)).toBe("reused");
  });

  test("the CPU's name comes from x86 and Raspberry Pi cpuinfo alike", () => {
    expect(cpuName("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n")).toBe("AMD EPYC 7B13");
    expect(cpuName("processor\t: 0\nCPU part\t: 0xd0b\n\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n")).toBe(
      "Raspberry Pi 5 Model B Rev 1.0",
    );
    expect(cpuName("")).not.toBe("");
  });
});

describe("vault section", () => {
  test("indexes a generated vault, times queries and an incremental re-index", async () => {
    const ctx = tinyContext();
    const { result, rows } = await vault(ctx);
    expect(result.files).toBe(203); // 200 pages and the three core documents
    expect(result.bytes).toBeGreaterThan(50_000);
    expect(result.chunks).toBeGreaterThan(200);
    const full = result.fullIndexMs as { median: number; runs: number[] };
    expect(full.runs).toHaveLength(2);
    const query = result.query as {
      count: number;
      withHits: number;
      p50Ms: number;
      p95Ms: number;
      maxMs: number;
    };
    expect(query.count).toBe(20);
    // Queries are made of the vault's own words, so every one finds something.
    expect(query.withHits).toBe(20);
    expect(query.p50Ms).toBeLessThanOrEqual(query.p95Ms);
    expect(query.p95Ms).toBeLessThanOrEqual(query.maxMs);
    const incremental = result.incremental as { changes: number; runs: number[]; ratioToFull: number };
    expect(incremental.changes).toBe(3);
    expect(incremental.runs).toHaveLength(2);
    expect(incremental.ratioToFull).toBeGreaterThan(0);
    // Beside the Markdown figures, the same three for the mixed vault of PDF, HTML and EPUB files.
    const mixed = result.mixed as typeof result & { pdfs: number };
    expect(mixed).toMatchObject({ pdfs: 6, html: 2, epubs: 1, files: 12 }); // and the three core documents
    expect(mixed.chunks as number).toBeGreaterThan(6 * 10);
    expect((mixed.query as { withHits: number }).withHits).toBe(20);
    expect((mixed.incremental as { changes: number }).changes).toBe(3);
    expect(rows.map((row) => row.section)).toEqual(Array(6).fill("vault"));
    expect(rows[0]!.figure).toContain("203 files");
    expect(rows[2]!.ratio).toBeGreaterThan(0);
    expect(rows[3]!.figure).toStartWith("mixed (6 PDFs of 10 pages, 2 HTML, 1 EPUB): full index, 12 files");
    expect(rows[5]!.ratio).toBeGreaterThan(0);
  });
});

describe("start-up measurement", () => {
  // Stands in for the compiled REPL: a prompt only on a terminal, `/model` answering like Ember's.
  const fakeRepl = join(dir, "fake-repl.ts");
  writeFileSync(
    fakeRepl,
    `
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
if (!process.stdin.isTTY || !process.stdout.isTTY) process.exit(3);
const env = process.env;
appendFileSync(join(process.cwd(), "runs.jsonl"), JSON.stringify({
  HOME: env.HOME, VAULT_DIR: env.VAULT_DIR, EMBER_RUNTIME_DIR: env.EMBER_RUNTIME_DIR,
  EMBER_SYSTEM_CONFIG: env.EMBER_SYSTEM_CONFIG, LLAMA_CPP_THREADS: env.LLAMA_CPP_THREADS,
  LLAMA_CPP_MODEL: env.LLAMA_CPP_MODEL ?? null,
}) + "\\n");
const config = readFileSync(join(env.VAULT_DIR, "config", "bench.yml"), "utf8");
const prompt = /prompt: "(.*)"/.exec(config)[1];
process.stdout.write("Fake Ember\\nember> is not the prompt\\n" + prompt);
let polls = 0;
for await (const line of console) {
  if (line === "quit") process.exit(0);
  if (line === "/model") {
    polls++;
    const model = env.LLAMA_CPP_MODEL ?? "";
    process.stdout.write(
      model.includes("broken") ? "* not loaded: not a GGUF file\\n"
        : polls < 3 ? "* loading…\\n" : "* loaded, 1 threads, context 4096\\n",
    );
  }
  process.stdout.write(prompt);
}
`,
  );

  test("times the prompt and the baseline, reads memory, waits for the model", async () => {
    const ctx = tinyContext({ repetitions: 2 });
    ctx.settings.model = { ...ctx.settings.model, path: "/models/fake.gguf", bytes: 1024 * 1024 };
    const { result, rows } = await measureStartup(ctx, [process.execPath, fakeRepl]);
    const warm = result.warmPromptMs as { median: number; runs: number[] };
    expect(warm.runs).toHaveLength(2);
    expect((result.bunExitMs as { runs: number[] }).runs).toHaveLength(2);
    expect(result.firstPromptMs).toBeGreaterThan(0);
    const idle = result.idle as { peakBytes: number; rssBytes: number; anonBytes: number; fileBytes: number };
    expect(idle.peakBytes).toBeGreaterThanOrEqual(idle.rssBytes);
    expect(idle.rssBytes).toBeGreaterThan(1024 * 1024);
    // VmRSS = RssAnon + RssFile + RssShmem.
    expect(idle.anonBytes).toBeGreaterThan(0);
    expect(idle.fileBytes).toBeGreaterThan(0);
    expect(idle.anonBytes + idle.fileBytes).toBeLessThanOrEqual(idle.rssBytes);
    const withModel = result.withModel as { peakBytes: number; ratio: number; modelBytes: number };
    expect(withModel.modelBytes).toBe(1024 * 1024);
    expect(withModel.ratio).toBeCloseTo(withModel.peakBytes / (1024 * 1024), 1);
    expect(rows.map((row) => row.figure)).toEqual([
      "first prompt, first run (empty runtime folder)",
      "first prompt, warm (median of 2)",
      "peak RSS, REPL idle",
      "peak RSS, REPL with the model loaded",
    ]);

    // One first run, two warm runs, one with the model: all confined to the run's folder.
    const runs = readFileSync(join(ctx.workDir, "startup", "cwd", "runs.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(runs).toHaveLength(4);
    for (const run of runs) {
      for (const key of ["HOME", "VAULT_DIR", "EMBER_RUNTIME_DIR"])
        expect(run[key].startsWith(ctx.workDir)).toBe(true);
      expect(run.EMBER_SYSTEM_CONFIG).toBe("/nonexistent");
      expect(run.LLAMA_CPP_THREADS).toBe("1");
    }
    expect(runs.map((run) => run.LLAMA_CPP_MODEL)).toEqual([null, null, null, "/models/fake.gguf"]);
  });

  test("a model the REPL cannot load fails the section with the REPL's reason", async () => {
    const ctx = tinyContext({ repetitions: 1 });
    ctx.settings.model = { ...ctx.settings.model, path: "/models/broken.gguf" };
    await expect(measureStartup(ctx, [process.execPath, fakeRepl])).rejects.toThrow(
      "the REPL did not load the model: * not loaded: not a GGUF file",
    );
  });

  test("a prompt that never comes times out with the last output", async () => {
    const run = new TerminalProcess(
      [process.execPath, "-e", "process.stdout.write('booting'); setInterval(() => {}, 1000)"],
      {
        env: { PATH: process.env.PATH ?? "" },
        cwd: dir,
      },
    );
    await expect(run.waitFor(/never> /, { timeoutMs: 1500 })).rejects.toThrow("last output: booting");
    expect(processMemory(run.pid).peakBytes).toBeGreaterThan(0);
    await run.stop();
  });

  test("timeToExit runs on a terminal and reports a failing command", async () => {
    const options = { env: { PATH: process.env.PATH ?? "" }, cwd: dir };
    expect(
      await timeToExit([process.execPath, "-e", "if (!process.stdout.isTTY) process.exit(4)"], options),
    ).toBeGreaterThan(0);
    await expect(timeToExit([process.execPath, "-e", "process.exit(4)"], options)).rejects.toThrow(
      "exited with 4",
    );
  });
});

describe("sizes section", () => {
  test("every target that cannot be built is reported; none built fails the section", async () => {
    const ctx = { ...tinyContext(), root: scratchDir() }; // no scripts/build.ts there
    await expect(sizes(ctx)).rejects.toThrow(
      /no target could be built: not built: build of linux-x64 failed/,
    );
  });
});

describe("bench CLI", () => {
  function bench(...args: string[]) {
    const run = Bun.spawnSync([process.execPath, BENCH, ...args], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
  }

  test("bad options give one line and exit 2", () => {
    const unknown = bench("--only", "vault,nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'bench: --only: unknown section "nope" (one of decode, turn, ttfa, restart, startup, engine, vault, sizes)\n',
    );
    const threads = bench("--threads", "0");
    expect(threads.code).toBe(2);
    expect(threads.stderr).toBe("bench: --threads 0: expected a whole number of threads, 1 or more\n");
  });

  test("--quick --only vault prints the table and writes results.json", () => {
    const out = join(scratchDir(), "results.json");
    const run = bench("--quick", "--only", "vault", "--threads", "1", "--out", out);
    expect(run.stderr).toContain("vault: done");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[0]).toBe("| section | figure | value | ratio | target | met |");
    expect(run.stdout).toContain("| vault | full index, 1,003 files");
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(Object.keys(report.results)).toEqual(["vault"]);
    expect(report.results.vault.files).toBe(1003);
    expect(report.settings.quick).toBe(true);
    expect(report.settings.threads).toBe(1);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.memory).toBeGreaterThan(0);
    expect(typeof report.machine.cpu).toBe("string");
    expect(report.versions.bun).toBe(Bun.version);
    expect(report.versions.nodeLlamaCpp).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.seconds.total).toBeGreaterThan(0);
  });
});
