/**
 * Ember's compiled binaries for a benchmark run, built once per run into its scratch folder: the
 * start-up section runs this machine's build and the sizes section (another process) reuses it.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchContext } from "./types.ts";

export interface BuiltBinary {
  target: string;
  path: string;
  bytes: number;
  /** How long the build took (0 when an earlier section of the run built it). */
  seconds: number;
}

/** Builds `target` with scripts/build.ts into `<workDir>/bin`, or returns this run's earlier build. */
export async function buildBinary(ctx: BenchContext, target: string): Promise<BuiltBinary> {
  const record = join(ctx.workDir, "bin", `${target}.bench.json`);
  try {
    const earlier = JSON.parse(readFileSync(record, "utf8")) as BuiltBinary;
    return { ...earlier, seconds: 0 };
  } catch {
    // Not built in this run yet.
  }
  const built = await runBuild(ctx, target);
  writeFileSync(record, JSON.stringify(built));
  return built;
}

async function runBuild(ctx: BenchContext, target: string): Promise<BuiltBinary> {
  ctx.log(`building ${target}`);
  const started = performance.now();
  const proc = Bun.spawn(
    [
      process.execPath,
      join(ctx.root, "scripts", "build.ts"),
      "--target",
      target,
      "--outdir",
      join(ctx.workDir, "bin"),
    ],
    { cwd: ctx.root, stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) {
    const why = stderr.split("\n").find((line) => line.trim() !== "") ?? `exit code ${code}`;
    throw new Error(`build of ${target} failed: ${why.trim()}`);
  }
  // scripts/build.ts prints one line per binary, its path (relative to its cwd) first.
  const printed = stdout.split("\n")[0]?.split("\t")[0]?.trim();
  if (!printed) throw new Error(`build of ${target} printed no binary path`);
  const path = resolve(ctx.root, printed);
  return { target, path, bytes: statSync(path).size, seconds: (performance.now() - started) / 1000 };
}
