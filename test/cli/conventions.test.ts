import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { ESCAPES, runEmber, tempVaults } from "../helpers/ember-cli.ts";

// The command-line conventions of issue 12, each through a real `bun src/main.ts` subprocess.

const vault = tempVaults();

describe("help and version", () => {
  test("`ember help CMD` is `ember CMD --help`; neither is coloured in a pipe", async () => {
    const v = vault();
    const env = { TERM: "xterm-256color" };
    const help = await runEmber(["help", "model", "pull"], { vault: v, env });
    const flag = await runEmber(["model", "pull", "--help"], { vault: v, env });
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stdout).toContain("USAGE ember model pull [OPTIONS] <SOURCE>");
    expect(help.stdout).not.toMatch(ESCAPES);
    const root = await runEmber(["help"], { vault: v, env });
    expect(root.stdout).toBe((await runEmber(["--help"], { vault: v, env })).stdout);
    expect(root.stdout).toMatch(/^\s+completion\s/m);
    expect(root.stdout).not.toMatch(ESCAPES);
  });

  test("`ember version` is `ember --version`", async () => {
    const v = vault();
    const word = await runEmber(["version"], { vault: v });
    expect(word.code).toBe(0);
    expect(word.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    expect(word.stdout).toBe((await runEmber(["--version"], { vault: v })).stdout);
  });
});

describe("ember status: the exit code is the health", () => {
  test("degraded (an invalid config) exits 3, and --json agrees", async () => {
    const v = vault();
    mkdirSync(join(v, "config"), { recursive: true });
    writeFileSync(join(v, "config", "site.yml"), "llm:\n  maxTokens: many\n");
    const text = await runEmber(["status"], { vault: v });
    expect(text.stdout).toContain("health: degraded");
    expect(text.code).toBe(EXIT.degraded);
    const json = await runEmber(["status", "--json"], { vault: v });
    expect(JSON.parse(json.stdout).health).toBe("degraded");
    expect(json.code).toBe(EXIT.degraded);
  });

  test("failed (a vault that cannot be created) exits 4", async () => {
    const parent = vault();
    const blocker = join(parent, "file");
    writeFileSync(blocker, "not a folder");
    chmodSync(blocker, 0o444);
    const { code, stdout } = await runEmber(["status"], {
      vault: parent,
      env: { VAULT_DIR: join(blocker, "vault") },
    });
    expect(stdout).toContain("health: failed");
    expect(code).toBe(EXIT.failed);
  });
});

describe("piped REPL", () => {
  test("stops at the first line that fails and exits 1", async () => {
    const { code, stdout } = await runEmber([], { vault: vault(), stdin: "/help\n/stauts\n/history\n" });
    expect(code).toBe(EXIT.failure);
    expect(stdout).toContain("Slash commands");
    expect(stdout.trimEnd()).toEndWith("unknown command /stauts — did you mean /status?");
  });

  test("--keep-going runs every line and exits 0, as before", async () => {
    const { code, stdout } = await runEmber(["--keep-going"], { vault: vault(), stdin: "/stauts\n/help\n" });
    expect(code).toBe(EXIT.ok);
    expect(stdout).toContain("unknown command /stauts");
    expect(stdout).toContain("Slash commands");
  });

  test("all lines fine: exit 0", async () => {
    const { code } = await runEmber([], { vault: vault(), stdin: "/help\n/agents\n" });
    expect(code).toBe(EXIT.ok);
  });
});

describe("the default vault", () => {
  test("honours XDG_DATA_HOME", async () => {
    const data = vault();
    const env = { VAULT_DIR: "", XDG_DATA_HOME: data };
    const { stdout } = await runEmber(["status", "--json"], { vault: data, env });
    const report = JSON.parse(stdout);
    expect(report.vault.path).toBe(join(data, "ember", "vault"));
    expect(report.config.values).toContainEqual({
      key: "vault.path",
      value: join(data, "ember", "vault"),
      source: "env XDG_DATA_HOME",
    });
  });
});
