import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCoreDocuments, renderCoreDocuments, TRIM_MARKER } from "../../src/vault/core-documents.ts";
import { parseWindowId } from "../../src/vault/excerpt.ts";
import { type CountTokens, estimateTokens } from "../../src/vault/tokens.ts";

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-core-"));
  cleanup.push(dir);
  return dir;
}

const docs = [
  {
    path: "README.md",
    text: `# Field vault\n\n${Array.from({ length: 30 }, (_, i) => `Readme line ${i} about the radio net.`).join("\n")}`,
  },
  { path: "AGENTS.md", text: "# Operator rules\n\nAnswer briefly. Cite the manual." },
  { path: "docs/ROADMAP.md", text: "# Roadmap\n\n## Next\nSolar array upgrade." },
];

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

describe("renderCoreDocuments", () => {
  test("each document headed by its source; whole when they fit", () => {
    const core = renderCoreDocuments(docs.slice(1), 1000, estimateTokens);
    expect(core.text).toBe(
      "[AGENTS.md:1]\n# Operator rules\n\nAnswer briefly. Cite the manual.\n\n[docs/ROADMAP.md:1]\n# Roadmap\n\n## Next\nSolar array upgrade.",
    );
    expect(core.ids.map(parseWindowId)).toEqual([
      { text: "AGENTS.md", lines: [1, 3] },
      { text: "docs/ROADMAP.md", lines: [1, 4] },
    ]);
  });

  test("never over the budget, for any budget and tokenizer; a long one is cut, short ones stay whole", () => {
    const tokenizers: CountTokens[] = [
      estimateTokens,
      (t) => t.length,
      (t) => t.split(/\s+/).filter(Boolean).length,
    ];
    for (const count of tokenizers) {
      for (const budget of [0, 5, 30, 80, 150, 400, 5000]) {
        const core = renderCoreDocuments(docs, budget, count);
        expect(count(core.text)).toBeLessThanOrEqual(budget);
        expect(renderCoreDocuments(docs, budget, count)).toEqual(core);
      }
    }
    const cut = renderCoreDocuments(docs, 150, estimateTokens);
    expect(cut.text).toContain(`${TRIM_MARKER}\n\n[AGENTS.md:1]`);
    expect(cut.text).toEndWith("Solar array upgrade.");
    const readme = parseWindowId(cut.ids[0]!)!;
    expect(readme.text).toBe("README.md");
    expect(readme.lines[1]).toBeLessThan(32);
  });
});
