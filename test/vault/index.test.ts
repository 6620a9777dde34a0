import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  INDEX_FILE,
  openVaultIndex,
  searchIndex,
  type UpdateProgress,
  updateIndex,
  type VaultIndex,
  VaultIndexCorruptError,
  VaultIndexOpenError,
} from "../../src/vault/index.ts";

const cleanup: string[] = [];
const open: VaultIndex[] = [];

afterEach(() => {
  for (const index of open.splice(0)) index.close();
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

function makeVault(files: Record<string, string | Uint8Array> = {}): string {
  const vault = tempDir("ember-vault-");
  mkdirSync(join(vault, "docs"));
  for (const [path, content] of Object.entries(files)) write(vault, path, content);
  return vault;
}

function write(vault: string, path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(join(vault, path)), { recursive: true });
  writeFileSync(join(vault, path), content);
}

function openIndex(vault: string): VaultIndex {
  const index = openVaultIndex(vault);
  open.push(index);
  return index;
}

/** Reads the index file directly, as a second connection would (WAL allows it). */
function chunkIds(vault: string): Map<string, number[]> {
  const db = new Database(join(vault, INDEX_FILE), { readonly: true });
  try {
    const ids = new Map<string, number[]>();
    for (const row of db
      .query<{ id: number; path: string }, []>("SELECT id, path FROM chunks ORDER BY id")
      .all()) {
      ids.set(row.path, [...(ids.get(row.path) ?? []), row.id]);
    }
    return ids;
  } finally {
    db.close();
  }
}

const page = (n: number, extra = "") =>
  `# Manual ${n}\nIntro for manual ${n} word${n}.\n\n## Section ${n}\nBody of section ${n}.${extra}\n`;

function fiveFileVault(): string {
  const files: Record<string, string> = {};
  for (let n = 1; n <= 5; n++) files[`docs/m${n}.md`] = page(n);
  return makeVault(files);
}

describe("the index file", () => {
  test("lives at state/index.sqlite, in WAL mode, and can be reopened", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    await index.update();
    expect(index.indexPath).toBe(join(vault, "state", "index.sqlite"));
    const db = new Database(index.indexPath, { readonly: true });
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    db.close();
    index.close();
    open.pop();
    const again = openIndex(vault);
    expect(again.warnings).toEqual([]);
    expect(again.counts()).toEqual({ files: 5, chunks: 10 });
  });

  test("a state path that cannot hold a folder is a named open error", () => {
    const vault = makeVault({ state: "not a folder" });
    expect(() => openVaultIndex(vault)).toThrow(VaultIndexOpenError);
  });
});

describe("incremental updates", () => {
  test("first update adds every file; a second one finds nothing to do", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    const first = await index.update();
    expect(first).toMatchObject({ scanned: 5, added: 5, updated: 0, removed: 0, unchanged: 0, chunks: 10 });
    expect(first.skipped).toEqual([]);
    expect(first.warnings).toEqual([]);
    const second = await index.update();
    expect(second).toMatchObject({ scanned: 5, added: 0, updated: 0, removed: 0, unchanged: 5, chunks: 10 });
  });

  test("changing one of five files re-chunks only that file", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    await index.update();
    const before = chunkIds(vault);

    write(vault, "docs/m3.md", page(3, "\n\n## Added later\nA new zebra section."));
    const progress: UpdateProgress[] = [];
    const result = await index.update({ onProgress: (p) => progress.push(p) });

    expect(result).toMatchObject({ scanned: 5, added: 0, updated: 1, removed: 0, unchanged: 4, chunks: 11 });
    const after = chunkIds(vault);
    for (const path of ["docs/m1.md", "docs/m2.md", "docs/m4.md", "docs/m5.md"]) {
      expect(after.get(path)).toEqual(before.get(path)!);
    }
    expect(after.get("docs/m3.md")).toHaveLength(3);
    expect(after.get("docs/m3.md")!.some((id) => before.get("docs/m3.md")!.includes(id))).toBe(false);
    expect(index.search("zebra").map((h) => h.heading)).toEqual(["Manual 3 > Added later"]);
    expect(progress.filter((p) => p.phase === "read")).toHaveLength(5);
    expect(progress.at(-1)).toMatchObject({ phase: "write" });
  });

  test("deleting a file removes its chunks", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    await index.update();
    expect(index.search("word2")).toHaveLength(1);

    unlinkSync(join(vault, "docs/m2.md"));
    const result = await index.update();

    expect(result).toMatchObject({ scanned: 4, added: 0, updated: 0, removed: 1, unchanged: 4, chunks: 8 });
    expect(chunkIds(vault).has("docs/m2.md")).toBe(false);
    expect(index.search("word2")).toEqual([]);
  });

  test("a new mtime with the same content is not re-chunked", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    await index.update();
    const before = chunkIds(vault);

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(vault, "docs/m4.md"), later, later);
    const result = await index.update();

    expect(result).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 5, chunks: 10 });
    expect(chunkIds(vault)).toEqual(before);
    // The new mtime was recorded, so the next update need not hash the file again.
    const db = new Database(join(vault, INDEX_FILE), { readonly: true });
    const row = db
      .query<{ mtime_ms: number }, [string]>("SELECT mtime_ms FROM files WHERE path = ?")
      .get("docs/m4.md");
    db.close();
    expect(row?.mtime_ms).toBe(statSync(join(vault, "docs/m4.md")).mtimeMs);
  });

  test("updateIndex and searchIndex work from a vault folder path", async () => {
    const vault = fiveFileVault();
    const result = await updateIndex(vault);
    expect(result.added).toBe(5);
    const index = openIndex(vault);
    expect(searchIndex(index, "word5").map((h) => h.path)).toEqual(["docs/m5.md"]);
  });

  test("overlapping updates run one after the other", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    const [first, second] = await Promise.all([index.update(), index.update()]);
    expect(first).toMatchObject({ added: 5, unchanged: 0 });
    expect(second).toMatchObject({ added: 0, unchanged: 5, chunks: 10 });
  });

  test("an aborted update writes nothing", async () => {
    const vault = fiveFileVault();
    const index = openIndex(vault);
    const controller = new AbortController();
    const update = index.update({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 2) controller.abort();
      },
    });
    await expect(update).rejects.toThrow();
    expect(index.counts()).toEqual({ files: 0, chunks: 0 });
    const done = await index.update();
    expect(done.added).toBe(5);
  });
});

describe("what gets indexed", () => {
  test("Markdown and text under docs/ plus the root core documents, nothing else", async () => {
    const vault = makeVault({
      "README.md": "# Vault readme\nalpha",
      "AGENTS.md": "# Agents\nbravo",
      "NOTES.md": "# Root notes are not indexed\ncharlie",
      "docs/ROADMAP.md": "# Roadmap\ndelta",
      "docs/a/b/deep.markdown": "# Deep\necho",
      "docs/plain.txt": "foxtrot",
      "docs/UPPER.MD": "# Upper\ngolf",
      "docs/data.json": '{"hotel": 1}',
      "docs/.obsidian/cache.md": "# Hidden\nindia",
      "config/system.md": "# Config\njuliet",
    });
    const result = await openIndex(vault).update();
    expect(chunkIds(vault).size).toBe(6);
    expect([...chunkIds(vault).keys()].sort()).toEqual(
      [
        "AGENTS.md",
        "README.md",
        "docs/ROADMAP.md",
        "docs/UPPER.MD",
        "docs/a/b/deep.markdown",
        "docs/plain.txt",
      ].sort(),
    );
    expect(result.scanned).toBe(6);
  });

  test("files that are not valid UTF-8 are skipped with a reason, and drop out if they turn bad", async () => {
    const vault = makeVault({
      "docs/good.md": "# Good\nkilo",
      "docs/bad.md": new Uint8Array([0x23, 0x20, 0xff, 0xfe, 0x41, 0x0a]),
      "docs/later.md": "# Later\nlima",
    });
    const index = openIndex(vault);
    const first = await index.update();
    expect(first.skipped).toEqual([{ path: "docs/bad.md", reason: "not valid UTF-8" }]);
    expect(first.added).toBe(2);

    write(vault, "docs/later.md", new Uint8Array([0xc3, 0x28]));
    const second = await index.update();
    expect(second.skipped).toEqual([
      { path: "docs/bad.md", reason: "not valid UTF-8" },
      { path: "docs/later.md", reason: "not valid UTF-8" },
    ]);
    expect(index.search("lima")).toEqual([]);
    expect(chunkIds(vault).has("docs/later.md")).toBe(false);
  });

  test("files over the size limit are skipped with a reason", async () => {
    const vault = makeVault({
      "docs/big.md": `# Big\n${"x".repeat(2000)}`,
      "docs/small.md": "# Small\nmike",
    });
    const result = await openIndex(vault).update({ limits: { maxTextFileBytes: 1000 } });
    expect(result.skipped).toEqual([
      { path: "docs/big.md", reason: "is 2.0 KiB, over the 1000 B limit; not read" },
    ]);
    expect(result.added).toBe(1);
  });

  test("symlinks leaving the vault are not followed; links inside it are", async () => {
    const outside = tempDir("ember-outside-");
    writeFileSync(join(outside, "secret.md"), "# Secret\nnovember");
    mkdirSync(join(outside, "more"));
    writeFileSync(join(outside, "more", "leak.md"), "# Leak\noscar");
    const vault = makeVault({ "notes/inside.md": "# Inside\npapa", "docs/real.md": "# Real\nquebec" });
    symlinkSync(join(outside, "secret.md"), join(vault, "docs/secret.md"));
    symlinkSync(join(outside, "more"), join(vault, "docs/more"));
    symlinkSync(join(vault, "notes/inside.md"), join(vault, "docs/inside-link.md"));
    symlinkSync(join(vault, "docs"), join(vault, "docs/loop"));
    symlinkSync(join(vault, "docs/missing.md"), join(vault, "docs/dangling.md"));

    const index = openIndex(vault);
    const result = await index.update();

    expect([...chunkIds(vault).keys()].sort()).toEqual(["docs/inside-link.md", "docs/real.md"]);
    expect(index.search("november oscar")).toEqual([]);
    expect(index.search("papa").map((h) => h.path)).toEqual(["docs/inside-link.md"]);
    expect(result.skipped).toContainEqual({
      path: "docs/secret.md",
      reason: "symlink points outside the vault",
    });
    expect(result.skipped).toContainEqual({ path: "docs/more", reason: "symlink points outside the vault" });
    expect(result.skipped.find((s) => s.path === "docs/dangling.md")?.reason).toStartWith("broken symlink");
  });
});

describe("search", () => {
  test("a document about a topic outranks one that mentions it once", async () => {
    const filler = "The crew checks the water tank and the fuel filter before the shift.";
    const vault = makeVault({
      "docs/antenna.md": `# Antenna setup\nRaise the antenna mast. Tune the antenna for the channel. Ground the antenna.\n`,
      "docs/water.md": `# Water\n${filler} ${filler} Keep the radio antenna clear of the tank. ${filler}\n`,
      "docs/fuel.md": `# Fuel\n${filler}\n`,
    });
    const index = openIndex(vault);
    await index.update();
    const hits = index.search("antenna");
    expect(hits.map((h) => h.path)).toEqual(["docs/antenna.md", "docs/water.md"]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits[0]!.excerpt).toContain("«antenna»");
    expect(hits[0]!.text).toBe(
      "Raise the antenna mast. Tune the antenna for the channel. Ground the antenna.",
    );
    expect(hits[0]).toMatchObject({ heading: "Antenna setup", lineStart: 2, lineEnd: 2 });
  });

  test("a word in the heading weighs more than the same word in the body", async () => {
    const vault = makeVault({
      "docs/a.md": "# Generator\nCheck oil level and belts weekly.\n",
      "docs/b.md": "# Weekly\nCheck the generator oil and belts.\n",
    });
    const index = openIndex(vault);
    await index.update();
    expect(index.search("generator").map((h) => h.path)).toEqual(["docs/a.md", "docs/b.md"]);
  });

  test("stemming matches word forms; limit caps the hits", async () => {
    const files: Record<string, string> = {};
    for (let n = 0; n < 8; n++) files[`docs/p${n}.md`] = `# Page ${n}\nThe antennas were raised.\n`;
    const index = openIndex(makeVault(files));
    await index.update();
    expect(index.search("antenna raising", { limit: 3 })).toHaveLength(3);
    expect(index.search("antenna")).toHaveLength(8);
  });

  test("each hit says which of its lines matched, how many words and where (stems included)", async () => {
    const vault = makeVault({
      "docs/mast.md":
        "# Mast\nUnpack the kit.\nThe antennas were raised on the mast.\n\nA mast antenna\nantenna again\n",
    });
    const index = openIndex(vault);
    await index.update();
    const [hit] = index.search("antenna mast");
    expect(hit!.text.split("\n")).toHaveLength(hit!.lineMatches.length);
    expect(hit!.lineMatches).toEqual([
      { words: 0, column: -1 },
      { words: 2, column: 4 },
      { words: 0, column: -1 },
      // Adjacent matches, even across a line break, count on their own lines.
      { words: 2, column: 2 },
      { words: 1, column: 0 },
    ]);
  });

  test("hostile queries never throw", async () => {
    const vault = makeVault({ "docs/a.md": "# Antenna\nThe antenna and the mast. Near the column: ok.\n" });
    const index = openIndex(vault);
    await index.update();
    const hostile = [
      "AND",
      "OR",
      "NOT",
      '"',
      '"antenna',
      "*",
      "antenna*",
      "NEAR(",
      "NEAR(antenna mast, 2)",
      "col:",
      "heading:antenna",
      "body : antenna",
      "(",
      ")",
      "^antenna",
      "-antenna",
      "+",
      "'; DROP TABLE chunks; --",
      "",
      "   ",
      "\u0000",
      "🔥📡",
      "{antenna}",
    ];
    for (const query of hostile) {
      const hits = index.search(query);
      expect(Array.isArray(hits)).toBe(true);
      if (/antenna/i.test(query)) expect(hits.length).toBe(1);
    }
    expect(index.counts().chunks).toBe(1);
  });
});

describe("a corrupt index", () => {
  test("garbage bytes are moved aside and the index is rebuilt, with a warning", async () => {
    const vault = fiveFileVault();
    const garbage = new Uint8Array(8192).map((_, i) => (i * 37 + 11) % 256);
    write(vault, INDEX_FILE, garbage);

    const index = openIndex(vault);
    expect(index.warnings).toHaveLength(1);
    expect(index.warnings[0]).toContain("corrupt");
    const aside = readdirSync(join(vault, "state")).filter((f) => f.startsWith("index.sqlite.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(vault, "state", aside[0]!))).toEqual(Buffer.from(garbage));

    const result = await index.update();
    expect(result.warnings).toEqual(index.warnings);
    expect(result.added).toBe(5);
    expect(index.search("word1")).toHaveLength(1);
    expect((await index.update()).warnings).toEqual([]);
  });

  test("damaged pages inside a real index are caught by the next update", async () => {
    const files: Record<string, string> = {};
    for (let n = 0; n < 200; n++) files[`docs/p${n}.md`] = page(n, ` ${"filler text ".repeat(40)}`);
    const vault = makeVault(files);
    await updateIndex(vault);
    const path = join(vault, INDEX_FILE);
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(16 * 4096);
    // Keep the header page valid so SQLite opens the file; clobber the b-tree pages after it.
    bytes.fill(0x5a, 4096, bytes.length - 4096);
    writeFileSync(path, bytes);

    const index = openIndex(vault);
    expect(() => index.search("word7")).toThrow(VaultIndexCorruptError);
    const result = await index.update();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("corrupt");
    expect(result.added).toBe(200);
    expect(readdirSync(join(vault, "state")).some((f) => f.startsWith("index.sqlite.corrupt-"))).toBe(true);
    expect(index.search("word7").map((h) => h.path)).toEqual(["docs/p7.md"]);
  });

  test("a SQLite file that is not a vault index is moved aside as stale", async () => {
    const vault = fiveFileVault();
    mkdirSync(join(vault, "state"));
    const other = new Database(join(vault, INDEX_FILE));
    other.run("CREATE TABLE unrelated (x)");
    other.close();

    const index = openIndex(vault);
    expect(index.warnings[0]).toContain("not a vault index");
    expect(readdirSync(join(vault, "state")).some((f) => f.startsWith("index.sqlite.stale-"))).toBe(true);
    expect((await index.update()).added).toBe(5);
    expect(existsSync(join(vault, INDEX_FILE))).toBe(true);
  });
});
