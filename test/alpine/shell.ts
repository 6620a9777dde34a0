import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { collectOutput, type ProcessOutput } from "../helpers/subprocess.ts";

export const REPO = resolve(import.meta.dir, "../..");

/**
 * Runs a command to completion without blocking the event loop (a test's own HTTP server must
 * keep answering while the script downloads from it). Ember's and LLAMA variables are dropped.
 */
export async function run(
  argv: string[],
  env: Record<string, string> = {},
  cwd = REPO,
): Promise<ProcessOutput> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("EMBER_") && !k.startsWith("LLAMA_") && !k.startsWith("APK_"))
      base[k] = v;
  // sfdisk, debugfs and mkfs.vfat live in sbin, which a normal user's PATH on Debian lacks.
  base.PATH = `${base.PATH ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`;
  const [command = "", ...args] = argv;
  const proc = Bun.spawn([Bun.which(command, { PATH: base.PATH }) ?? command, ...args], {
    cwd,
    env: { ...base, ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  return collectOutput(proc);
}

/** Like run, but a non-zero exit throws with the command's stderr. */
export async function runOk(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await run(argv, env);
  if (result.code !== 0)
    throw new Error(`${argv.join(" ")} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Every path below `dir` with its kind, mode and content hash or link target: two equal snapshots are equal trees. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = join(rel, name);
      const abs = join(dir, path);
      const st = lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[path] = `link -> ${readlinkSync(abs)}`;
      else if (st.isDirectory()) {
        out[path] = `dir ${mode}`;
        walk(path);
      } else out[path] = `file ${mode} ${createHash("sha256").update(readFileSync(abs)).digest("hex")}`;
    }
  };
  walk("");
  return out;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
