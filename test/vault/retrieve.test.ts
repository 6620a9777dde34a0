import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { openVaultIndex, type VaultIndex } from "../../src/vault/index.ts";
import {
  type CountTokens,
  estimateTokens,
  readCoreDocuments,
  retrieveGrounding,
  selectGrounding,
  TRIM_MARKER,
} from "../../src/vault/retrieve.ts";

const cleanup: string[] = [];
const open: VaultIndex[] = [];

afterEach(() => {
  for (const index of open.splice(0)) index.close();
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-retrieve-"));
  cleanup.push(dir);
  return dir;
}

async function indexedVault(files: Record<string, string>): Promise<VaultIndex> {
  const vault = tempDir();
  mkdirSync(join(vault, "docs"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(vault, path)), { recursive: true });
    writeFileSync(join(vault, path), content);
  }
  const index = openVaultIndex(vault);
  open.push(index);
  await index.update();
  return index;
}

/** Stand-ins for a model tokenizer with different granularities. */
const tokenizers: Record<string, CountTokens> = {
  estimate: estimateTokens,
  words: (text) => text.split(/\s+/).filter(Boolean).length,
  chars: (text) => text.length,
};

const WORDS = "antenna mast radio battery generator fuel water shelter route signal relay beacon".split(" ");

function fieldVault(): Record<string, string> {
  const files: Record<string, string> = {
    "README.md": `# Field vault\n\n${Array.from({ length: 30 }, (_, i) => `Readme line ${i} about the radio net.`).join("\n")}\n`,
    "AGENTS.md": "# Operator rules\n\nAnswer briefly. Cite the manual.\n",
    "docs/ROADMAP.md": "# Roadmap\n\n## Next\nSolar array upgrade.\n",
  };
  for (let n = 0; n < 30; n++) {
    const body = Array.from({ length: 4 + (n % 5) }, (_, i) => {
      const w = (k: number) => WORDS[(n * 7 + i * 3 + k) % WORDS.length];
      return `${w(0)} ${w(1)} check ${w(2)} line ${i} of page ${n}.`;
    }).join("\n");
    files[`docs/p${String(n).padStart(2, "0")}.md`] =
      `# Page ${n} ${WORDS[n % WORDS.length]}\n${body}\n\n## Notes\n${body}\n`;
  }
  return files;
}

describe("retrieveGrounding", () => {
  test("never exceeds the budget and is deterministic, for any budget and tokenizer", async () => {
    const index = await indexedVault(fieldVault());
    for (const [name, countTokens] of Object.entries(tokenizers)) {
      for (const budgetTokens of [0, 1, 5, 17, 40, 100, 256, 512, 1024, 4096]) {
        for (const query of ["antenna mast", "generator fuel water", "zzz nothing matches"]) {
          const first = retrieveGrounding(index, query, { budgetTokens, countTokens });
          const second = retrieveGrounding(index, query, { budgetTokens, countTokens });
          const where = `${name} budget=${budgetTokens} query=${query}`;
          expect(first.tokens, where).toBeLessThanOrEqual(budgetTokens);
          expect(first.tokens, where).toBe(countTokens(first.text));
          expect(second, where).toEqual(first);
        }
      }
    }
  });

  test("renders core documents first, then excerpts headed [path > heading]", async () => {
    const index = await indexedVault({
      "README.md": "# Vault\nHello.\n",
      "AGENTS.md": "Be brief.\n",
      "docs/ROADMAP.md": "# Roadmap\nNothing yet.\n",
      "docs/radio.md": "# Radio\n\n## Antenna setup\nRaise the antenna mast.\n",
      "docs/notes.txt": "The antenna cable is in the blue box.\n",
    });
    const grounding = retrieveGrounding(index, "antenna", { budgetTokens: 1000 });
    expect(grounding.text).toBe(
      [
        "[README.md]\n# Vault\nHello.",
        "[AGENTS.md]\nBe brief.",
        "[docs/ROADMAP.md]\n# Roadmap\nNothing yet.",
        "[docs/radio.md > Radio > Antenna setup]\nRaise the antenna mast.",
        "[docs/notes.txt]\nThe antenna cable is in the blue box.",
      ].join("\n\n"),
    );
    expect(grounding.coreDocs.map((d) => [d.path, d.trimmed])).toEqual([
      ["README.md", false],
      ["AGENTS.md", false],
      ["docs/ROADMAP.md", false],
    ]);
    expect(grounding.excerpts.map((e) => [e.path, e.heading, e.lineStart, e.lineEnd, e.trimmed])).toEqual([
      ["docs/radio.md", "Radio > Antenna setup", 4, 4, false],
      ["docs/notes.txt", "", 1, 1, false],
    ]);
    expect(grounding.tokens).toBe(estimateTokens(grounding.text));
  });

  test("core documents are trimmed to their share; short ones are kept whole", async () => {
    const index = await indexedVault(fieldVault());
    const grounding = retrieveGrounding(index, "antenna", { budgetTokens: 300, coreShare: 0.4 });
    const core = grounding.coreDocs;
    expect(core.map((d) => d.path)).toEqual(["README.md", "AGENTS.md", "docs/ROADMAP.md"]);
    expect(core.find((d) => d.path === "README.md")).toMatchObject({ trimmed: true });
    expect(core.find((d) => d.path === "README.md")!.text.endsWith(`\n${TRIM_MARKER}`)).toBe(true);
    expect(core.filter((d) => d.path !== "README.md").every((d) => !d.trimmed)).toBe(true);
    const coreText = core.map((d) => `[${d.path}]\n${d.text}`).join("\n\n");
    expect(estimateTokens(coreText)).toBeLessThanOrEqual(120);
    expect(grounding.excerpts.length).toBeGreaterThan(0);
  });

  test("the core-document prefix does not depend on the query (KV cache reuse)", async () => {
    const index = await indexedVault(fieldVault());
    const a = retrieveGrounding(index, "antenna mast", { budgetTokens: 400 });
    const b = retrieveGrounding(index, "fuel shelter", { budgetTokens: 400 });
    const none = retrieveGrounding(index, "qqq", { budgetTokens: 400 });
    expect(none.excerpts).toEqual([]);
    expect(a.text.startsWith(`${none.text}\n\n[docs/`)).toBe(true);
    expect(b.text.startsWith(`${none.text}\n\n[docs/`)).toBe(true);
    expect(a.text).not.toBe(b.text);
  });

  test("coreDocs: false leaves the core documents out", async () => {
    const index = await indexedVault(fieldVault());
    const grounding = retrieveGrounding(index, "antenna", { budgetTokens: 400, coreDocs: false });
    expect(grounding.coreDocs).toEqual([]);
    expect(grounding.text.startsWith("[docs/p")).toBe(true);
  });

  test("an excerpt already inside an included core document is not repeated", async () => {
    const index = await indexedVault({
      "README.md": "# Vault\nThe zulu procedure lives here.\n",
      "docs/other.md": "# Other\nAlso zulu.\n",
    });
    const grounding = retrieveGrounding(index, "zulu", { budgetTokens: 500 });
    expect(grounding.coreDocs.map((d) => d.path)).toEqual(["README.md"]);
    expect(grounding.excerpts.map((e) => e.path)).toEqual(["docs/other.md"]);
  });

  test("the best excerpt is trimmed rather than dropped when it does not fit whole", async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `Antenna step ${i}: tighten guy line ${i}.`);
    const index = await indexedVault({ "docs/long.md": `# Antenna\n${lines.join("\n")}\n` });
    const grounding = retrieveGrounding(index, "antenna", { budgetTokens: 100, coreDocs: false });
    expect(grounding.excerpts).toHaveLength(1);
    const excerpt = grounding.excerpts[0]!;
    expect(excerpt.trimmed).toBe(true);
    expect(excerpt.text.endsWith(TRIM_MARKER)).toBe(true);
    const kept = excerpt.text.split("\n").length - 1;
    expect(excerpt.text.split("\n").slice(0, kept)).toEqual(lines.slice(0, kept));
    expect(excerpt).toMatchObject({ lineStart: 2, lineEnd: 1 + kept });
    expect(grounding.tokens).toBeLessThanOrEqual(100);
  });

  test("an empty vault grounds nothing", async () => {
    const index = await indexedVault({});
    expect(retrieveGrounding(index, "anything", { budgetTokens: 500 })).toEqual({
      coreDocs: [],
      excerpts: [],
      text: "",
      tokens: 0,
    });
  });
});

describe("readCoreDocuments", () => {
  test("reads the core documents present, in order, skipping links out of the vault and bad UTF-8", () => {
    const vault = tempDir();
    const outside = tempDir();
    mkdirSync(join(vault, "docs"));
    writeFileSync(join(outside, "README.md"), "secret");
    symlinkSync(join(outside, "README.md"), join(vault, "README.md"));
    writeFileSync(join(vault, "AGENTS.md"), new Uint8Array([0xff, 0x41]));
    writeFileSync(join(vault, "docs", "ROADMAP.md"), "\uFEFF# Roadmap\r\nNext.\r\n\r\n");
    expect(readCoreDocuments(vault)).toEqual([{ path: "docs/ROADMAP.md", text: "# Roadmap\nNext." }]);
  });
});

describe("selectGrounding", () => {
  test("rejects a core share outside 0..1", () => {
    expect(() => selectGrounding([], [], { budgetTokens: 10, coreShare: 1.5 })).toThrow(RangeError);
  });
});
