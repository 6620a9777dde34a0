import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emberEnv, MAIN, runEmber, tempVault } from "../helpers/ember-cli.ts";
import { collectOutput } from "../helpers/subprocess.ts";

const vault = tempVault();
afterAll(() => rmSync(vault, { recursive: true, force: true }));
mkdirSync(join(vault, "models"));
writeFileSync(join(vault, "models", "tiny-q4.gguf"), "");

/** What bash's TAB offers after `words` (the last one being completed), with the script loaded. */
async function complete(script: string, ...words: string[]): Promise<string[]> {
  const file = join(vault, "completion.bash");
  writeFileSync(file, script);
  const probe = [
    // `ember` here is this checkout, as the script's model-name lookup calls it.
    `ember() { "${process.execPath}" "${MAIN}" "$@"; }`,
    `source "${file}"`,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}`,
    `_ember; printf '%s\\n' "\${COMPREPLY[@]}"`,
    "complete -p ember",
  ].join("\n");
  const proc = Bun.spawn(["bash", "-c", probe], {
    cwd: vault,
    env: emberEnv(vault),
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout, stderr, code } = await collectOutput(proc);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  const lines = stdout.trimEnd().split("\n");
  expect(lines.at(-1)).toBe("complete -o default -F _ember ember");
  return lines.slice(0, -1).filter(Boolean);
}

describe("ember completion", () => {
  test("bash: subcommands, their options, model names, and files after an option's value", async () => {
    const { stdout, code } = await runEmber(["completion", "bash"], { vault });
    expect(code).toBe(0);
    expect(await complete(stdout, "ember", "st")).toEqual(["status"]);
    expect(await complete(stdout, "ember", "model", "")).toEqual(["pull", "--json", "--names", "--help"]);
    expect(await complete(stdout, "ember", "model", "pull", "ti")).toEqual(["tiny-q4"]);
    expect(await complete(stdout, "ember", "logs", "-")).toEqual(expect.arrayContaining(["-f", "--follow"]));
    expect(await complete(stdout, "ember", "index", "--")).toEqual(["--json", "--help"]);
    expect(await complete(stdout, "ember", "--k")).toEqual(["--keep-going"]);
    expect(await complete(stdout, "ember", "search", "--limit", "")).toEqual([]);
    expect(await complete(stdout, "ember", "completion", "")).toEqual(["bash", "zsh", "--help"]);
  });

  test("an unknown shell is a usage error", async () => {
    const { code, stderr } = await runEmber(["completion", "fish"], { vault });
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toBe("ember completion: no completion for fish: bash or zsh");
  });
});
