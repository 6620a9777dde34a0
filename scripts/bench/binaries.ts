/**
 * Ember's compiled binaries for a benchmark run, built once per run into its scratch folder: the
 * start-up section runs this machine's build and the sizes section reuses it.
 */
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BenchContext } from "./types.ts";

export interface BuiltBinary {
  target: string;
  path: string;
  bytes: number;
  /** How long the build took (0 when an earlier section of the run built it). */
  seconds: number;
}

const builds = new Map<string, Promise<BuiltBinary>>();

/** Builds `target` with scripts/build.ts into `<workDir>/bin`, or returns this run's earlier build. */
export function buildBinary(ctx: BenchContext, target: string): Promise<BuiltBinary> {
  const key = `${ctx.workDir}\0${target}`;
  const earlier = builds.get(key);
  if (earlier) return earlier.then((built) => ({ ...built, seconds: 0 }));
  const build = runBuild(ctx, target);
  builds.set(key, build);
  // A failed build may be retried by a later section (a network hiccup fetching a cross runtime).
  build.catch(() => builds.delete(key));
  return build;
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
