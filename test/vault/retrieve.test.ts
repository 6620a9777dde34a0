import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { question } from "../../scripts/bench/llm-vault.ts";
import { makePdf } from "../../scripts/lib/pdf-writer.ts";
import { loadConfig } from "../../src/config/load.ts";
import { parseWindowId, renderExcerpts } from "../../src/vault/excerpt.ts";
import { openVaultIndex, type VaultIndex } from "../../src/vault/index.ts";
import { type ExcerptLimits, pickExcerpts } from "../../src/vault/retrieve.ts";
import { type CountTokens, estimateTokens } from "../../src/vault/tokens.ts";

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

async function indexedVault(files: Record<string, string>, vault = tempDir()): Promise<VaultIndex> {
  mkdirSync(join(vault, "docs"), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(vault, path)), { recursive: true });
    writeFileSync(join(vault, path), content);
  }
  const index = openVaultIndex(vault);
  open.push(index);
  await index.update();
  return index;
}

/** Ember's shipped settings (config/system.yml), as a turn gets them. */
function defaults(): ExcerptLimits {
  const vault = tempDir();
  return loadConfig({ env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent" }, cwd: vault }).config
    .grounding;
}

/** Stand-ins for a model tokenizer with different granularities. */
const tokenizers: Record<string, CountTokens> = {
  estimate: estimateTokens,
  words: (text) => text.split(/\s+/).filter(Boolean).length,
  chars: (text) => text.length,
};

const filler = (n: number, topic: string) =>
  Array.from({ length: n }, (_, i) => `Step ${i} of the ${topic} routine: note the time and sign the log.`);

/** One page answers the question; the others share only a common word with it. */
function topicalVault(): Record<string, string> {
  const files: Record<string, string> = {
    "docs/radio/antenna.md": [
      "# Radio",
      "",
      "## Antenna setup",
      ...filler(10, "mast"),
      "Tune the antenna for the relay channel with the SWR meter before each handover.",
      ...filler(10, "mast"),
      "",
    ].join("\n"),
  };
  for (const topic of ["water", "fuel", "shelter", "medical", "vehicle", "patrol"]) {
    files[`docs/${topic}.md`] = [
      `# ${topic}`,
      "",
      ...filler(6, topic),
      `Call the relay when the ${topic} check is done.`,
      "",
    ].join("\n");
  }
  return files;
}

const limits: ExcerptLimits = {
  turnTokens: 400,
  windowTokens: 160,
  windowLines: 2,
  maxExcerpts: 3,
  relativeScore: 0.5,
};
const ANTENNA = "how do I tune the antenna for the relay channel?";

describe("pickExcerpts", () => {
  test("the cut relative to the best score drops hits that only share a common word", async () => {
    const index = await indexedVault(topicalVault());
    const hits = index.search(ANTENNA, { limit: 20 });
    expect(hits[0]!.path).toBe("docs/radio/antenna.md");
    // The other pages are hits too, each well under half the best score.
    const others = hits.filter((h) => h.path !== "docs/radio/antenna.md");
    expect(others).toHaveLength(6);
    for (const weak of others) expect(weak.score).toBeLessThan(hits[0]!.score * 0.5);

    const pick = pickExcerpts(index, ANTENNA, limits);
    expect(pick.added.length).toBeGreaterThan(0);
    expect(pick.added.every((e) => e.location.file === "docs/radio/antenna.md")).toBe(true);
    // Without the cut, the budget would have been filled with them.
    const uncut = pickExcerpts(index, ANTENNA, { ...limits, relativeScore: 0 });
    expect(uncut.added).toHaveLength(3);
    expect(uncut.added.some((e) => e.location.file !== "docs/radio/antenna.md")).toBe(true);
  });

  test("the window is centred on the matching line, within windowLines, with its own lines", async () => {
    const index = await indexedVault(topicalVault());
    const [excerpt] = pickExcerpts(index, ANTENNA, limits).added;
    // The matching line is line 14 of the file (heading on 3, ten filler lines after it).
    expect(excerpt!.location).toEqual({
      file: "docs/radio/antenna.md",
      lines: [12, 16],
      heading: "Radio > Antenna setup",
    });
    const file = topicalVault()["docs/radio/antenna.md"]!.split("\n");
    expect(excerpt!.text).toBe(file.slice(11, 16).join("\n"));
    expect(excerpt!.text.split("\n")[2]).toContain("Tune the antenna");
    for (const windowLines of [0, 1, 4]) {
      const [e] = pickExcerpts(index, ANTENNA, { ...limits, windowLines }).added;
      expect(e!.location.lines).toEqual([14 - windowLines, 14 + windowLines]);
    }
  });

  test("a kept window (prefilled while typing) stays as it is while it holds the best line", async () => {
    const page = [
      "# Radio",
      "",
      "## Mast",
      ...filler(4, "mast"),
      "Tune the antenna on the mast before the relay handover.",
      ...filler(1, "mast"),
      "Check the antenna cable and the mast guy lines for ice and water.",
      ...filler(4, "mast"),
      "Grease the winch every month.",
      "",
    ].join("\n");
    const index = await indexedVault({ "docs/radio/mast.md": page });
    // As typed so far, the best line is the tuning one (line 8); the whole question moves it to the cable line (10).
    const [typed] = pickExcerpts(index, "tune the antenna", limits).added;
    expect(typed!.location.lines).toEqual([6, 10]);
    const asked = "tune the antenna and check its cable for ice and water";
    const [own] = pickExcerpts(index, asked, limits).added;
    expect(own!.location.lines).toEqual([8, 12]);
    const [kept] = pickExcerpts(index, asked, { ...limits, keep: new Set([typed!.id]) }).added;
    expect(kept!.id).toBe(typed!.id);
    // A kept window that does not hold the best line is not kept.
    const elsewhere = pickExcerpts(index, "grease the winch", {
      ...limits,
      keep: new Set([typed!.id]),
    }).added;
    expect(elsewhere[0]!.location.lines).toEqual([13, 15]);
  });

  test("a window too long for windowTokens keeps the matching line, cut around the match", async () => {
    const long = `${"Lorem ipsum dolor sit amet. ".repeat(40)}Tune the antenna here. ${"Consectetur adipiscing elit. ".repeat(40)}`;
    const index = await indexedVault({ "docs/long.md": `# Manual\n\nbefore\n${long}\nafter\n` });
    const [excerpt] = pickExcerpts(index, "antenna", { ...limits, windowTokens: 40 }).added;
    expect(excerpt!.tokens).toBeLessThanOrEqual(40);
    expect(excerpt!.location.lines).toEqual([4, 4]);
    expect(excerpt!.text).toContain("Tune the antenna here.");
    expect(excerpt!.text.startsWith("…") && excerpt!.text.endsWith("…")).toBe(true);
  });

  test("excerpts the conversation holds are never returned again, nor lines overlapping them", async () => {
    const index = await indexedVault(topicalVault());
    const wide = { ...limits, relativeScore: 0, maxExcerpts: 10, turnTokens: 4000 };
    const first = pickExcerpts(index, ANTENNA, wide);
    expect(first.added.length).toBeGreaterThan(3);
    const exclude = new Set(first.added.map((e) => e.id));
    const again = pickExcerpts(index, ANTENNA, { ...wide, exclude });
    expect(again.added).toEqual([]);
    expect(again.held.map((e) => e.id).sort()).toEqual([...exclude].sort());

    // Across questions: whatever is added never overlaps what was held before it.
    const held = new Set<string>();
    for (const q of [ANTENNA, "relay check", "log time routine", "mast step", "water fuel relay"]) {
      for (const e of pickExcerpts(index, q, { ...wide, windowLines: 3, exclude: held }).added) {
        expect(held.has(e.id)).toBe(false);
        for (const id of held) {
          const h = parseWindowId(id)!;
          if (h.text !== e.location.file) continue;
          const apart = e.location.lines[1] < h.lines[0] || e.location.lines[0] > h.lines[1];
          expect(apart, `${e.id} overlaps ${id}`).toBe(true);
        }
        held.add(e.id);
      }
    }
  });

  test("in a PDF, lines count per page: what one page holds does not hide the same lines of another", async () => {
    const page = (n: number) => ({
      lines: [{ text: `Page ${n} intro.` }, { text: `Antenna tuning step ${n}: check the SWR.` }],
    });
    const vault = tempDir();
    mkdirSync(join(vault, "docs"));
    writeFileSync(join(vault, "docs", "manual.pdf"), makePdf([page(1), page(2), page(3)]));
    const index = await indexedVault({}, vault);
    const wide = { ...limits, relativeScore: 0 };
    const first = pickExcerpts(index, "antenna tuning", wide).added;
    expect(first.map((e) => e.location.page).sort()).toEqual([1, 2, 3]);
    expect(new Set(first.map((e) => e.id)).size).toBe(3);
    const onPage1 = first.find((e) => e.location.page === 1)!;
    expect(renderExcerpts([onPage1]).split("\n")[0]).toBe("[docs/manual.pdf p. 1]");
    const again = pickExcerpts(index, "antenna tuning", { ...wide, exclude: new Set([onPage1.id]) });
    expect(again.added.map((e) => e.location.page).sort()).toEqual([2, 3]);
    expect(again.held.map((e) => e.id)).toEqual([onPage1.id]);
  });

  test("budgets are never exceeded, for any budget and tokenizer", async () => {
    const index = await indexedVault(topicalVault());
    for (const [name, countTokens] of Object.entries(tokenizers)) {
      for (const turnTokens of [0, 1, 20, 50, 120, 400, 2000]) {
        for (const windowTokens of [1, 30, 160, 1000]) {
          for (const q of [ANTENNA, "step routine log", "zzz nothing"]) {
            const where = `${name} turn=${turnTokens} window=${windowTokens} ${q}`;
            const options = {
              ...limits,
              relativeScore: 0,
              maxExcerpts: 5,
              turnTokens,
              windowTokens,
              countTokens,
            };
            const { added } = pickExcerpts(index, q, options);
            expect(added.length, where).toBeLessThanOrEqual(5);
            expect(countTokens(renderExcerpts(added)), where).toBeLessThanOrEqual(turnTokens);
            const sum =
              added.reduce((n, e) => n + e.tokens, 0) + Math.max(0, added.length - 1) * countTokens("\n\n");
            expect(sum, where).toBeLessThanOrEqual(turnTokens);
            for (const e of added) expect(e.tokens, where).toBeLessThanOrEqual(windowTokens);
            expect(pickExcerpts(index, q, options), where).toEqual({ added, held: expect.any(Array) });
          }
        }
      }
    }
  });

  test("each excerpt reads with its source first, so the model can cite it", async () => {
    const index = await indexedVault(topicalVault());
    const { added } = pickExcerpts(index, ANTENNA, limits);
    expect(renderExcerpts(added).split("\n")[0]).toBe("[docs/radio/antenna.md:12 · Antenna setup]");
  });

  test("an empty vault or a question without words picks nothing", async () => {
    const index = await indexedVault({});
    expect(pickExcerpts(index, "antenna", limits)).toEqual({ added: [], held: [] });
    const full = await indexedVault(topicalVault());
    expect(pickExcerpts(full, "?! …", limits)).toEqual({ added: [], held: [] });
  });
});

describe("a typical turn on the benchmark's generated vault", () => {
  const vault = mkdtempSync(join(tmpdir(), "ember-retrieve-bench-"));
  afterAll(() => rmSync(vault, { recursive: true, force: true }));

  test("adds at most about 400 tokens (estimated, 4 characters a token) with the shipped defaults", async () => {
    const made = Bun.spawnSync([
      process.execPath,
      "scripts/make-vault.ts",
      vault,
      "--files",
      "200",
      "--seed",
      "1",
    ]);
    expect(made.exitCode).toBe(0);
    const index = await indexedVault({}, vault);
    const settings = defaults();
    const held = new Set<string>();
    for (let turn = 1; turn <= 6; turn++) {
      const { added } = pickExcerpts(index, question(turn), { ...settings, exclude: held });
      const tokens = estimateTokens(renderExcerpts(added));
      expect(added.length, question(turn)).toBeGreaterThan(0);
      expect(tokens, question(turn)).toBeLessThanOrEqual(400);
      for (const e of added) held.add(e.id);
    }
  });
});
