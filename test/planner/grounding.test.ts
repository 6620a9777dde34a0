import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/logger.ts";
import { groundQuestion } from "../../src/planner/grounding.ts";
import { updateIndex } from "../../src/vault/index.ts";
import { estimateTokens } from "../../src/vault/tokens.ts";

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const settings = {
  coreTokens: 200,
  turnTokens: 400,
  windowTokens: 160,
  windowLines: 2,
  maxExcerpts: 3,
  relativeScore: 0.5,
};

async function vault(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ember-grounding-"));
  cleanup.push(dir);
  mkdirSync(join(dir, "docs"));
  writeFileSync(join(dir, "README.md"), "# Vault\nThe zulu procedure lives here.\n");
  writeFileSync(join(dir, "docs", "radio.md"), "# Radio\n\n## Antenna\nRaise the zulu antenna mast.\n");
  writeFileSync(join(dir, "docs", "fuel.md"), "# Fuel\n\nKeep the jerrycans dry.\n");
  await updateIndex(dir);
  return dir;
}

function quietLogger(dir: string) {
  return createLogger({ file: join(dir, "ember.log"), level: "silent", maxBytes: 4096, keep: 0 });
}

describe("groundQuestion", () => {
  test("core documents first, the same for every question; then only the new excerpts", async () => {
    const dir = await vault();
    const logger = quietLogger(dir);
    const zulu = groundQuestion(dir, "zulu antenna", settings, estimateTokens, logger);
    const fuel = groundQuestion(dir, "jerrycans", settings, estimateTokens, logger);
    expect(zulu.staticText).toBe("[README.md:1]\n# Vault\nThe zulu procedure lives here.");
    expect(fuel.staticText).toBe(zulu.staticText);
    expect(zulu.text).toBe(`${zulu.staticText}\n\n[docs/radio.md:4 · Antenna]\nRaise the zulu antenna mast.`);
    expect(fuel.text).toBe(`${zulu.staticText}\n\n[docs/fuel.md:3 · Fuel]\nKeep the jerrycans dry.`);
  });

  test("what the core documents or the conversation hold is not added again, but still a source", async () => {
    const dir = await vault();
    const logger = quietLogger(dir);
    const first = groundQuestion(dir, "zulu", settings, estimateTokens, logger);
    // README's line is already in the prompt as a core document.
    expect(first.excerpts.added.map((e) => e.location.file)).toEqual(["docs/radio.md"]);
    expect(first.excerpts.held.map((e) => e.location.file)).toEqual(["README.md"]);
    const held = new Set(first.excerpts.added.map((e) => e.id));
    const again = groundQuestion(dir, "zulu", settings, estimateTokens, logger, held);
    expect(again.text).toBe(again.staticText);
    expect(again.excerpts.held.map((e) => e.location.file).sort()).toEqual(["README.md", "docs/radio.md"]);
  });
});
