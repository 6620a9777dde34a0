/**
 * Fault class: commands that make things worse. `/model use` with something that is not a usable
 * model must leave the working model loaded; a read-only vault must still answer /search and
 * questions from its index, and `ember index` must say the vault is read-only.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";
import { canMount, type Mount, mountReadOnly } from "../helpers/mounts.ts";

const vaults: string[] = [];
const mounts: Mount[] = [];
afterAll(() => {
  for (const mount of mounts) mount.unmount();
  for (const vault of vaults) rmSync(vault, { recursive: true, force: true });
});
function vault(): string {
  const dir = tempVault();
  vaults.push(dir);
  mkdirSync(join(dir, "docs"));
  writeFileSync(
    join(dir, "docs", "wifi.md"),
    "# Wifi\n\nThe wifi password is on the label under the case.\n",
  );
  return dir;
}

describe("/model use with something that is not a usable model", () => {
  test("a secret file or a truncated GGUF is refused in one line, and the working model stays", async () => {
    const dir = vault();
    mkdirSync(join(dir, "models"));
    copyFileSync(tinyModelPath(), join(dir, "models", "tiny.gguf"));
    const secret = join(dir, "shadow");
    writeFileSync(secret, "root:$6$salt$hash:19000:0:99999:7:::\n");
    const whole = readFileSync(tinyModelPath());
    const truncated = join(dir, "truncated.gguf");
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));

    const { stdout } = await runEmber(["--keep-going"], {
      vault: dir,
      stdin: `/model use tiny\n/model use ${secret}\n/model use ${truncated}\n/model\n`,
    });
    const lines = stdout.split("\n");
    expect(lines.find((l) => l.includes("/shadow"))).toMatch(/not a GGUF file/);
    expect(lines.find((l) => l.includes("truncated.gguf:") || l.includes("truncated.gguf "))).toMatch(
      /truncated/,
    );
    expect(stdout).not.toContain("root:$6$");
    // The model that worked is still loaded and still the active one.
    expect(stdout).toMatch(/\* loaded, 1 threads, context \d+/);
    expect(lines.filter((l) => l.includes("tiny.gguf")).at(-1)).toMatch(/^\*/);
  }, 120_000);
});

describe.skipIf(!canMount)("a read-only vault", () => {
  function readOnly(dir: string): string {
    const mount = mountReadOnly(dir);
    mounts.push(mount);
    return mount.dir;
  }

  test("search and questions work from the index; `ember index` says the vault is read-only", async () => {
    const dir = vault();
    expect((await runEmber(["index"], { vault: dir })).code).toBe(0);
    const ro = readOnly(dir);

    const index = await runEmber(["index"], { vault: ro });
    expect(index.stderr).toMatch(/^ember index: the vault is read-only \(EROFS at \S+state\): .*\n$/);
    expect(index.code).toBe(1);

    const search = await runEmber(["search", "wifi"], { vault: ro });
    expect(search.stderr).toBe("");
    expect(search.stdout).toContain("password is on the label");

    const repl = await runEmber([], { vault: ro, stdin: "/search wifi password\n" });
    expect(repl.stdout).toContain("docs/wifi.md:");
    expect(repl.stdout).not.toMatch(/SQLITE|cannot open vault index/);

    const ask = await runEmber(["ask", "where is the wifi password?"], {
      vault: ro,
      env: { LLAMA_CPP_MODEL: tinyModelPath(), LLAMA_CPP_MAX_TOKENS: "8", LLAMA_CPP_CONTEXT: "4096" },
    });
    expect(`${ask.stdout}${ask.stderr}`).not.toMatch(/SQLITE|cannot open vault index/);
    expect(ask.code).toBe(0);
  }, 180_000);

  test("a read-only vault that was never indexed is searched from an index built in memory", async () => {
    const ro = readOnly(vault());
    const search = await runEmber(["search", "wifi"], { vault: ro });
    expect(search.stdout).toContain("password is on the label");
  }, 60_000);
});
