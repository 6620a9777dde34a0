/**
 * The real `ember` executable (src/main.ts through scripts/build.ts), copied alone into an empty
 * folder with HOME empty and no node_modules near it: the commands an operator runs first work,
 * and so does a whole planner turn on a generated model. The arm64 glibc build runs under qemu.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HEALTH_EXIT } from "../../src/cli/status.ts";
import type { Health } from "../../src/status/report.ts";
import { aliasBomb } from "../helpers/alias-bomb.ts";

const ROOT = resolve(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "ember-binary-"));
const built = join(scratch, "dist");

function sh(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = spawnSync(command, args, { ...options, encoding: "utf8", timeout: 180_000 });
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** A fresh folder holding only the binary, and an environment that points nowhere familiar. */
function placeAlone(binaryName: string): { dir: string; env: Record<string, string>; binary: string } {
  const dir = mkdtempSync(join(scratch, "alone-"));
  mkdirSync(join(dir, "home"));
  const binary = join(dir, "ember");
  copyFileSync(join(built, binaryName), binary);
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: join(dir, "home"),
    VAULT_DIR: join(dir, "vault"),
    EMBER_RUNTIME_DIR: join(dir, "runtime"),
    EMBER_SYSTEM_CONFIG: "/nonexistent",
    LLAMA_CPP_THREADS: "1",
    LLAMA_CPP_MAX_TOKENS: "24",
    // In-process: these commands are tested alone; an auto-started engine would outlive the test.
    EMBER_ENGINE: "off",
  };
  return { dir, env, binary };
}

beforeAll(() => {
  const build = sh(
    process.execPath,
    ["scripts/build.ts", "--target", "linux-x64", "--target", "linux-arm64", "--outdir", built],
    {
      cwd: ROOT,
    },
  );
  if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`);
  expect(build.stdout).toMatch(/ember\s+linux-x64\s+\d+\.\d+\.\d+\S*\s+[\d.]+ MiB/);
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("dist/ember alone in an empty folder", () => {
  test("--version, status --json and self-test", () => {
    const { dir, env } = placeAlone("ember");
    expect(sh("./ember", ["--version"], { cwd: dir, env }).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const status = sh("./ember", ["status", "--json"], { cwd: dir, env });
    const report = JSON.parse(status.stdout);
    // No model beside it: degraded, exit 3.
    expect(report.health).toBe("degraded");
    expect(status.code).toBe(HEALTH_EXIT.degraded);
    expect(report.vault.path).toBe(env.VAULT_DIR);
    expect(report.agents.find((a: { name: string }) => a.name === "toolchain").last.details).toBeDefined();
    const selfTest = sh("./ember", ["self-test"], { cwd: dir, env });
    expect(selfTest.stdout).toContain("llama addon: loads");
    expect(selfTest.code).toBe(0);
  });

  test("ask --json runs a grounded turn on a generated model", () => {
    const { dir, env } = placeAlone("ember");
    const model = join(dir, "tiny.gguf");
    expect(sh(process.execPath, [join(ROOT, "scripts/make-tiny-model.ts"), model], { cwd: ROOT }).code).toBe(
      0,
    );
    const ask = sh("./ember", ["ask", "--json", "is the node healthy?"], {
      cwd: dir,
      env: { ...env, LLAMA_CPP_MODEL: model },
    });
    expect(ask.stderr).toBe("");
    expect(ask.code).toBe(0);
    const turn = JSON.parse(ask.stdout);
    expect(Array.isArray(turn.plan.commands)).toBe(true);
    expect(typeof turn.response).toBe("string");
    expect(turn.timings.promptTokens).toBeGreaterThan(0);
    expect(turn.timings.evaluatedTokens).toBeGreaterThan(0);
  });
});

describe("dist/ember never shows a stack trace or its source (test/faults/ tests the same from source)", () => {
  /** A stack frame, a code frame, or the binary's own (minified) source. */
  const expectOneCleanLine = (text: string) => {
    expect(text.trimEnd().split("\n")).toHaveLength(1);
    expect(text).not.toMatch(/^\s+at |^\s*\d+ \| |\/\$bunfs\//m);
  };

  test("an alias bomb in the vault's config is a located problem", () => {
    const { dir, env } = placeAlone("ember");
    mkdirSync(join(dir, "vault", "config"), { recursive: true });
    writeFileSync(join(dir, "vault", "config", "bomb.yml"), aliasBomb());
    const status = sh("./ember", ["status"], { cwd: dir, env });
    expect(status.stderr).toBe("");
    expect(status.stdout).toContain("bomb.yml:2:10 (yaml): aliases expand to too many items");
  });

  test("an upgrade from a folder without manifest.json is one line", () => {
    const { dir, env } = placeAlone("ember");
    mkdirSync(join(dir, "usb", "stable"), { recursive: true });
    const upgrade = sh("./ember", ["upgrade", "--check", "--channel", join(dir, "usb", "stable")], {
      cwd: dir,
      env: { ...env, EMBER_INSTALL_PATH: join(dir, "ember") },
    });
    expect(upgrade.code).toBe(1);
    expectOneCleanLine(upgrade.stderr);
    expect(upgrade.stderr).toContain("manifest.json: no such file");
  });

  test("an error no command expected is one line and exit 1", () => {
    const { dir, env } = placeAlone("ember");
    mkdirSync(join(dir, "vault", "logs", "ember.log"), { recursive: true });
    const logs = sh("./ember", ["logs"], { cwd: dir, env });
    expect(logs.code).toBe(1);
    expectOneCleanLine(logs.stderr);
    expect(logs.stderr).toStartWith("ember: unexpected error: ");
  });
});

describe("dist/ember-linux-arm64 under qemu-aarch64", () => {
  test("--version and status --json", () => {
    const { dir, env, binary } = placeAlone("ember-linux-arm64");
    const version = sh("qemu-aarch64", ["-L", "/", binary, "--version"], { cwd: dir, env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const status = sh("qemu-aarch64", ["-L", "/", binary, "status", "--json"], { cwd: dir, env });
    const report = JSON.parse(status.stdout);
    expect(report.config.valid).toBe(true);
    expect(status.code).toBe(HEALTH_EXIT[report.health as Health]);
  });
});
