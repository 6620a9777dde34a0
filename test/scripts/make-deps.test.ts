import { afterAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectOutput } from "../helpers/subprocess.ts";

const REPO = join(import.meta.dir, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "ember-make-deps-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the first `make deps` (as under `make run`) explains the blocked postinstall instead of bun's bare notice", async () => {
  for (const file of ["Makefile", "package.json", "bun.lock"])
    copyFileSync(join(REPO, file), join(dir, file));
  // The pinned Bun this checkout already installed; the dependencies come from Bun's cache.
  symlinkSync(join(REPO, ".tools"), join(dir, ".tools"));
  const proc = Bun.spawn(["make", "--no-print-directory", "deps"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await collectOutput(proc);
  expect(code).toBe(0);
  expect(stdout + stderr).not.toContain("Blocked 1 postinstall");
  expect(stdout).toContain("node-llama-cpp's postinstall stays blocked on purpose");
  expect(existsSync(join(dir, "node_modules", "node-llama-cpp", "package.json"))).toBe(true);
}, 120_000);
