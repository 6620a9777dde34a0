import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openVaultIndex, updateIndex } from "../../src/vault/index.ts";

const script = join(import.meta.dir, "../../scripts/make-vault.ts");
const cleanup: string[] = [];

afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]) {
  const proc = Bun.spawnSync([process.execPath, script, ...args], { stderr: "pipe", stdout: "pipe" });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-make-vault-"));
  cleanup.push(dir);
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const abs = join(entry.parentPath, entry.name);
      files[abs.slice(dir.length)] = readFileSync(abs, "utf8");
    }
  }
  return files;
}

describe("scripts/make-vault.ts", () => {
  test("the same seed writes the same vault; another seed a different one", () => {
    const [a, b, c] = [outDir(), outDir(), outDir()];
    expect(run(a, "--files", "30", "--seed", "5").code).toBe(0);
    expect(run(b, "--files", "30", "--seed", "5").code).toBe(0);
    expect(run(c, "--files", "30", "--seed", "6").code).toBe(0);
    const first = snapshot(a);
    expect(Object.keys(first)).toHaveLength(33);
    expect(snapshot(b)).toEqual(first);
    expect(snapshot(c)).not.toEqual(first);
  });

  test("its pages index into sectioned chunks", async () => {
    const dir = outDir();
    expect(run(dir, "--files", "20").code).toBe(0);
    const result = await updateIndex(dir);
    expect(result).toMatchObject({ scanned: 23, added: 23 });
    expect(result.chunks).toBeGreaterThan(40);
  });

  test("--pdfs, --html and --epubs add manuals, saved pages and books, without changing the Markdown", async () => {
    const [plain, mixed, again] = [outDir(), outDir(), outDir()];
    expect(run(plain, "--files", "5").code).toBe(0);
    expect(run(mixed, "--files", "5", "--pdfs", "3", "--html", "2", "--epubs", "1").code).toBe(0);
    expect(run(again, "--files", "5", "--pdfs", "3", "--html", "2", "--epubs", "1").code).toBe(0);
    const files = snapshot(mixed);
    expect(snapshot(again)).toEqual(files);
    for (const [path, text] of Object.entries(snapshot(plain))) expect(files[path]).toBe(text);
    expect(
      Object.keys(files)
        .filter((p) => !p.endsWith(".md"))
        .sort(),
    ).toEqual([
      "/docs/books/section-000/book-00000.epub",
      "/docs/manuals/section-000/manual-00000.pdf",
      "/docs/manuals/section-000/manual-00001.pdf",
      "/docs/manuals/section-000/manual-00002.pdf",
      "/docs/web/section-000/page-00000.html",
      "/docs/web/section-000/page-00001.html",
    ]);
    const result = await updateIndex(mixed);
    expect(result).toMatchObject({ added: 14, skipped: [] });
    const index = openVaultIndex(mixed);
    try {
      const hits = index.search("antenna radio battery generator", { limit: 200 });
      expect(new Set(hits.filter((h) => h.page !== undefined).map((h) => h.page))).toEqual(
        new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
      );
      expect(hits.some((h) => h.chapter === 10)).toBe(true);
    } finally {
      index.close();
    }
  });

  test("bad arguments exit 1 with a one-line reason", () => {
    const missing = run();
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toStartWith("usage: bun scripts/make-vault.ts OUT_DIR");
    const bad = run(outDir(), "--files", "many");
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("--files must be a whole number, got many");
  });
});
