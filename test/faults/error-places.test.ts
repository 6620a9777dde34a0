/**
 * Fault class: an error that names the wrong place, or no place, or shows the operator a stack
 * trace and source. A bad value is blamed on the file, line and column it came from; a refused
 * update is one line; an error no command expected is one line, with the stack in the vault's log.
 * Through the real program (`bun src/main.ts …`); test/e2e/ember-binary.test.ts checks the same
 * on the compiled binary.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runEmber } from "../helpers/ember-cli.ts";
import { emberTerminals } from "../helpers/ember-terminals.ts";

const { freshVault } = emberTerminals();

/** A stack frame or a code frame: what an operator must never be shown. */
function expectNoTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at .+[:(]/m);
  expect(text).not.toMatch(/^\s*\d+ \| /m);
}

test("every bad item of a list in a vault config is blamed on its own line and column", async () => {
  const vault = freshVault();
  mkdirSync(join(vault, "config"));
  writeFileSync(join(vault, "config", "site.yml"), "agents:\n  disabled:\n    - nonesuch\n    - 42\n");
  const status = await runEmber(["status"], { vault });
  const problems = status.stdout.split("\n").filter((line) => line.startsWith("    ! "));
  expect(problems).toHaveLength(2);
  expect(problems[0]).toStartWith(
    "    ! config/site.yml:3:7 agents.disabled.0: expected one of the agent names",
  );
  expect(problems[1]).toStartWith(
    "    ! config/site.yml:4:7 agents.disabled.1: expected one of the agent names",
  );
  expect(status.stdout).not.toContain("config/system.yml");
});

describe("ember upgrade from a folder that lacks the manifest or its signature", () => {
  const root = mkdtempSync(join(tmpdir(), "ember-channel-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const installed = join(root, "ember");
  copyFileSync("/bin/true", installed);
  const channel = join(root, "usb", "stable");
  mkdirSync(channel, { recursive: true });

  const upgrade = (where: string) =>
    runEmber(["upgrade", "--check", "--install-path", installed, "--channel", where], {
      vault: freshVault(),
    });

  test("no manifest.json: one line, for a folder and for a file:// URL", async () => {
    for (const where of [channel, pathToFileURL(channel).href]) {
      const { code, stdout, stderr } = await upgrade(where);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toBe(
        `ember upgrade: cannot fetch ${pathToFileURL(join(channel, "manifest.json")).href}: no such file\n`,
      );
    }
  });

  test("a manifest without its .sig: one line refusing an unsigned release", async () => {
    writeFileSync(join(channel, "manifest.json"), "{}");
    const { code, stderr } = await upgrade(channel);
    expect(code).toBe(1);
    expectNoTrace(stderr);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toContain("manifest.json.sig: no signature");
    expect(stderr).toContain("refusing an unsigned release");
  });
});

test("an error no command expected is one line; its stack goes to the vault's log", async () => {
  // `ember logs` meeting a folder where its log file should be: nothing handles that case.
  const vault = freshVault();
  mkdirSync(join(vault, "logs", "ember.log"), { recursive: true });
  const logs = await runEmber(["logs"], { vault });
  expectNoTrace(logs.stderr);
  expect(logs.code).toBe(1);
  expect(logs.stderr).toBe(
    "ember: unexpected error: Error: EISDIR: illegal operation on a directory, read\n",
  );

  // The same net under a command whose log works: the stack is kept there for whoever debugs it.
  const other = freshVault();
  mkdirSync(join(other, "logs"), { recursive: true });
  mkdirSync(join(other, "docs"), { recursive: true });
  writeFileSync(join(other, "logs", "ember.log"), "");
  const script = join(other, "throws.ts");
  // What src/main.ts does with an error escaping the command line.
  writeFileSync(
    script,
    [
      `import { reportUnhandledError } from ${JSON.stringify(join(import.meta.dir, "../../src/cli/unhandled-error.ts"))};`,
      `await Promise.resolve().then(() => JSON.parse("{not json\u001b[2J")).catch(reportUnhandledError);`,
    ].join("\n"),
  );
  const proc = Bun.spawn([process.execPath, script, "broken"], {
    cwd: other,
    env: { ...process.env, VAULT_DIR: other, EMBER_SYSTEM_CONFIG: "/nonexistent" },
    stderr: "pipe",
    stdout: "pipe",
  });
  const stderr = await new Response(proc.stderr).text();
  expect(await proc.exited).toBe(1);
  expectNoTrace(stderr);
  expect(stderr).toStartWith("ember: unexpected error: SyntaxError: ");
  expect(stderr).not.toContain("\x1b");
  expect(stderr).toEndWith(` (details in ${join(other, "logs", "ember.log")})\n`);
  const entry = JSON.parse(
    readFileSync(join(other, "logs", "ember.log"), "utf8")
      .trim()
      .split("\n")
      .at(-1)!,
  );
  expect(entry.msg).toBe("unexpected error");
  expect(entry.stack).toMatch(/\n\s+at /);
  expect(entry.argv).toEqual(["broken"]);
});
