import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { pluginCommands } from "../../src/agents/plugin.ts";
import { discoverPlugins } from "../../src/plugins/discover.ts";
import { invokePlugin } from "../../src/plugins/invoke.ts";
import { tempDir } from "../agents/context.ts";
import { collectOutput } from "../helpers/subprocess.ts";
import { writePlugin } from "./fixtures.ts";

// The example in docs/PLUGINS.md is the plugin these tests run, so the documentation cannot rot.
const doc = readFileSync(join(import.meta.dir, "../../docs/PLUGINS.md"), "utf8");
const example = doc.slice(doc.indexOf("## A complete example"));
const FENCE = "```";
const block = (lang: string) => {
  const match = new RegExp(`${FENCE}${lang}\\n([\\s\\S]*?)${FENCE}`).exec(example);
  if (!match?.[1]) throw new Error(`docs/PLUGINS.md: no \`\`\`${lang} block in the example`);
  return match[1];
};

const root = tempDir("ember-example-");
afterAll(root.cleanup);
const vault = join(root.dir, "vault");
for (const folder of ["docs", "models"]) mkdirSync(join(vault, folder), { recursive: true });
const dir = writePlugin(join(vault, "plugins"), "disk", block("yaml"), { "disk.sh": block("sh") });

describe("the example plugin in docs/PLUGINS.md", () => {
  const found = discoverPlugins([join(vault, "plugins")], 5000);
  const disk = pluginCommands(found).find((c) => c.name === "disk");
  const run = (args: string[]) =>
    disk?.run(args, { source: "operator", vaultDir: vault }) ?? Promise.reject();

  test("is discovered without problems", () => {
    expect(found.problems).toEqual([]);
    expect(found.commands).toEqual([
      {
        plugin: "disk",
        name: "disk",
        summary: "free space on the vault's filesystem, or the size of each vault folder",
        usage: "/disk [folders]",
        plannerRequested: true,
        exec: join(dir, "disk.sh"),
        dir,
        timeoutMs: 3000,
      },
    ]);
  });

  test("/disk answers with df's table for the vault", async () => {
    const answer = await run([]);
    expect(answer.ok).toBe(true);
    expect(answer.output.split("\n")[0]).toMatch(/^Filesystem\s+Size\s+Used\s+Avail/);
  });

  test("/disk folders lists each vault folder", async () => {
    const answer = await run(["folders"]);
    expect(answer.ok).toBe(true);
    expect(answer.output).toMatch(/^\S+\tdocs\/\n\S+\tmodels\/\n\S+\tplugins\/$/);
  });

  test("anything else is the plugin's own error, with the usage", async () => {
    expect(await run(["nonsense"])).toEqual({
      ok: false,
      output: "",
      error: "plugin disk: usage: /disk [folders]",
    });
  });

  test("a protocol version it does not speak is refused", async () => {
    const answer = await invokePlugin({
      exec: join(dir, "disk.sh"),
      cwd: dir,
      timeoutMs: 5000,
      // @ts-expect-error: a future protocol version, which this build cannot send
      request: { command: "disk", args: [], source: "operator", vaultDir: vault, version: 2 },
    });
    expect(answer).toEqual({ ok: false, output: "", error: "the disk plugin speaks protocol 1, not 2" });
  });
});

// The appliance is Alpine: sh, sed, awk, df and du are busybox there, not dash and GNU.
const busybox = Bun.which("busybox");
describe.skipIf(!busybox)("the example plugin under busybox", () => {
  test("gives the same JSON answer shape", async () => {
    const bin = join(root.dir, "busybox-bin");
    mkdirSync(bin);
    for (const tool of ["sh", "sed", "awk", "df", "du", "cat", "tail", "printf"])
      symlinkSync(busybox as string, join(bin, tool));
    const request = JSON.stringify({
      command: "disk",
      args: ["folders"],
      source: "planner",
      vaultDir: vault,
      version: 1,
    });
    const proc = Bun.spawn([join(bin, "sh"), join(dir, "disk.sh")], {
      cwd: dir,
      env: { PATH: bin },
      stdin: new TextEncoder().encode(`${request}\n`),
      stdout: "pipe",
      stderr: "pipe",
    });
    const { stdout, stderr, code } = await collectOutput(proc);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer.ok).toBe(true);
    expect(answer.output).toMatch(/^\S+\tdocs\/\n\S+\tmodels\/\n\S+\tplugins\/$/);
  });
});
