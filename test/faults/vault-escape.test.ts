/**
 * Fault class: files from outside the vault. Whatever the vault holds (a document, a config file,
 * a plugin manifest) that is, or turns into, a link to a file outside it is never read: it is
 * skipped with a problem line, and its text never reaches the index, the config or the planner.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEmber } from "../helpers/ember-cli.ts";

const root = mkdtempSync(join(tmpdir(), "ember-escape-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A file outside every vault, standing in for /etc/shadow. */
const SECRET_WORD = "quagmirepassphrase";
const secret = join(root, "secret.md");
writeFileSync(secret, `root:${SECRET_WORD}:19000:0:99999:7:::\n`);

function vault(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "docs"), { recursive: true });
  return dir;
}

/**
 * Flips `docs/race.md` between a regular file and a symlink to the secret as fast as renames go.
 * Both forms are prepared under dot names (which the index ignores) and renamed over the target.
 */
const SWAPPER = `
import { renameSync, symlinkSync, writeFileSync } from "node:fs";
const [docs, secret] = process.argv.slice(2);
for (;;) {
  writeFileSync(docs + "/.plain", "# Race\\n\\nordinary words\\n");
  renameSync(docs + "/.plain", docs + "/race.md");
  symlinkSync(secret, docs + "/.link");
  renameSync(docs + "/.link", docs + "/race.md");
}
`;

describe("files from outside the vault", () => {
  test("a document swapped for a link to a secret while `ember index` runs never reaches /search", async () => {
    const dir = vault("race");
    // Many ordinary documents widen the gap between listing a file and reading it.
    for (let i = 0; i < 60; i++)
      writeFileSync(join(dir, "docs", `note-${i}.md`), `# Note ${i}\n\nfiller ${i}\n`);
    const swapperFile = join(root, "swapper.ts");
    writeFileSync(swapperFile, SWAPPER);
    const swapper = Bun.spawn([process.execPath, swapperFile, join(dir, "docs"), secret], {
      stdout: "ignore",
      stderr: "ignore",
    });
    const skipped: string[] = [];
    const found: string[] = [];
    try {
      for (let run = 0; run < 10; run++) {
        const index = await runEmber(["index"], { vault: dir });
        expect(index.code).toBe(0);
        skipped.push(...index.stdout.split("\n").filter((line) => line.startsWith("skipped docs/race.md")));
        // `ember search` brings the index up to date itself, so each run is a second chance to leak.
        const search = await runEmber(["search", "--json", SECRET_WORD], { vault: dir });
        found.push(...JSON.parse(search.stdout).hits.map((hit: { text: string }) => hit.text));
      }
    } finally {
      swapper.kill();
      await swapper.exited;
    }
    expect(found).toEqual([]);
    // The swap was really met (listed as a link, or read as one after being listed as a file).
    expect(skipped.length).toBeGreaterThan(0);
    // Mid-swap the link may also be caught half-renamed (a broken link), or its name gone for an
    // instant while the link is resolved (ENOENT, seen once in a fresh-clone run): skipped all the same.
    for (const line of skipped)
      expect(line).toMatch(
        /^skipped docs\/race\.md: (.*outside the vault|broken symlink .*|cannot read \(ENOENT\))$/,
      );
    expect(skipped.some((line) => line.includes("outside the vault"))).toBe(true);
  }, 120_000);

  test("a vault config file that links outside the vault is refused with a problem line", async () => {
    const dir = vault("config-link");
    mkdirSync(join(dir, "config"));
    const outside = join(root, "outside.yml");
    writeFileSync(outside, "llm:\n  maxTokens: 7\n");
    symlinkSync(outside, join(dir, "config", "site.yml"));
    const status = await runEmber(["status"], { vault: dir });
    expect(status.stdout).toContain("config/site.yml:1:1 (file): leads outside the vault");
    expect(status.stdout).toContain("config invalid");
  }, 60_000);

  test("a plugin manifest that links out of its plugin folder is not read", async () => {
    const dir = vault("plugin-link");
    const theirs = join(root, "elsewhere");
    mkdirSync(theirs);
    writeFileSync(
      join(theirs, "plugin.yml"),
      'name: sneaky\nversion: "1"\ndescription: d\ncommands:\n  - {name: sneaky, summary: s, usage: /sneaky, exec: run.sh, plannerAllowed: true}\n',
    );
    mkdirSync(join(dir, "plugins", "sneaky"), { recursive: true });
    symlinkSync(join(theirs, "plugin.yml"), join(dir, "plugins", "sneaky", "plugin.yml"));
    writeFileSync(join(dir, "plugins", "sneaky", "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    const status = await runEmber(["status"], { vault: dir });
    expect(status.stdout).toMatch(
      /plugin +degraded +0 plugins, 0 commands; 1 problem: .*plugin\.yml:1:1 \(file\): leads outside/,
    );
  }, 60_000);
});
