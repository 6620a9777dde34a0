import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ESCAPES, runEmber, tempVaults } from "../helpers/ember-cli.ts";

const vault = tempVaults();

describe("piped mode", () => {
  test("runs each line in order and exits at end of input, with no prompt or escape codes", async () => {
    const { code, stdout } = await runEmber([], {
      vault: vault(),
      stdin: "/status\n/agents\n",
      env: { TERM: "xterm-256color" },
    });
    expect(code).toBe(0);
    expect(stdout).not.toMatch(ESCAPES);
    expect(stdout).not.toContain("ember>");
    expect(stdout.indexOf("health:")).toBeGreaterThanOrEqual(0);
    expect(stdout.indexOf("provision")).toBeGreaterThan(stdout.indexOf("health:"));
    expect(stdout).toMatch(/^\s*core\s+enabled\s+ok/m);
  });

  test("invalid UTF-8, CRLF and a 1 MB line do not stop it", async () => {
    const bytes = Buffer.concat([
      Buffer.from("/sta\xff\xfetus\r\n", "latin1"),
      Buffer.from(`/history ${"x".repeat(1024 * 1024)}\n`),
      Buffer.from("/help\n"),
    ]);
    const { code, stdout } = await runEmber(["--keep-going"], { vault: vault(), stdin: bytes });
    expect(code).toBe(0);
    expect(stdout).toContain("unknown command /sta\ufffd\ufffdtus");
    expect(stdout).toContain("expected a number, got xxxx");
    expect(stdout).toContain("Slash commands");
  });

  test("quit stops reading; an unknown command suggests the closest one", async () => {
    const { code, stdout } = await runEmber(["--keep-going"], {
      vault: vault(),
      stdin: "/stauts\nquit\n/help\n",
    });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("unknown command /stauts — did you mean /status?");
  });

  test("an invalid config starts Ember in the config-invalid state; ready-only commands refuse", async () => {
    const v = vault();
    mkdirSync(join(v, "config"), { recursive: true });
    writeFileSync(join(v, "config", "site.yml"), "llm:\n  maxTokens: many\n");
    const { code, stdout } = await runEmber([], { vault: v, stdin: "/status\n" });
    expect(code).toBe(0);
    expect(stdout).toContain("config invalid (1 problem)");
    expect(stdout).toContain("config/site.yml:2:14 llm.maxTokens: expected a number (tokens)");
  });

  test("a vault that cannot be written: Ember runs and says what it cannot save", async () => {
    const parent = vault();
    const blocker = join(parent, "file");
    writeFileSync(blocker, "not a folder");
    chmodSync(blocker, 0o444);
    const { code, stdout } = await runEmber([], {
      vault: parent,
      env: { VAULT_DIR: join(blocker, "vault") },
      stdin: "/status\n/help\n",
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/cannot write .*ember\.log/);
    expect(stdout).toContain("history not saved");
    expect(stdout).toContain("Slash commands");
  });
});

describe("CLI", () => {
  test("status --json reports each value with its origin", async () => {
    const { code, stdout } = await runEmber(["status", "--json"], {
      vault: vault(),
      env: { LLAMA_CPP_MAX_TOKENS: "77" },
    });
    const report = JSON.parse(stdout);
    // No model in a new vault: degraded, which `ember status` says with exit code 3.
    expect(report.health).toBe("degraded");
    expect(code).toBe(3);
    expect(report.config.valid).toBe(true);
    expect(report.config.values).toContainEqual({
      key: "llm.maxTokens",
      value: 77,
      source: "env LLAMA_CPP_MAX_TOKENS",
    });
    expect(report.agents.map((a: { name: string }) => a.name)).toEqual([
      "core",
      "network",
      "provision",
      "toolchain",
      "metrics",
      "plugin",
    ]);
    expect(report.agents.every((a: { last?: unknown }) => a.last)).toBe(true);
  });

  test("--version and --help", async () => {
    const version = await runEmber(["--version"], { vault: vault() });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runEmber(["--help"], { vault: vault() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("status");
    expect(help.stdout).toContain("logs");
  });
});
