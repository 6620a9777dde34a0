import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emberEnv, MAIN, runEmber, tempVault } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";

/**
 * Issue 11, row 1: a turn that can never end. Every loop in a turn is bounded, a turn that cannot
 * fit its context stops with one line naming the setting to change, the REPL goes on, and Ctrl-C
 * and the timeout stop a turn within about a second. Through the real program, on generated models.
 */

const vaults: string[] = [];
afterAll(() => {
  for (const v of vaults) rmSync(v, { recursive: true, force: true });
});

/** A vault with a README, a document, its own copy of a model, and `config` as vault config. */
function vault(config = "", model = tinyModelPath()): { dir: string; env: Record<string, string> } {
  const dir = tempVault();
  vaults.push(dir);
  writeFileSync(
    join(dir, "README.md"),
    "# Node\n\nThis node runs Ember; /status says whether it is healthy.\n",
  );
  mkdirSync(join(dir, "docs"));
  writeFileSync(join(dir, "docs", "status.md"), "# Status\n\nAsk /status for the node's health.\n");
  mkdirSync(join(dir, "config"));
  if (config !== "") writeFileSync(join(dir, "config", "llm.yml"), config);
  copyFileSync(model, join(dir, "model.gguf"));
  return { dir, env: { LLAMA_CPP_MODEL: join(dir, "model.gguf"), NO_COLOR: "1" } };
}

const OVERFLOW =
  /^ember ask: the turn needs \d+ tokens but the context holds (\d+); raise llm\.contextSize \(LLAMA_CPP_CONTEXT\) or lower llm\.maxTokens \(LLAMA_CPP_MAX_TOKENS\)(, or lower grounding\.coreTokens \(the static prefix alone takes \d+\))?$/;

describe("a turn that cannot fit its context", () => {
  test("the issue's repro: llm {contextSize: 2048, maxTokens: 1024} ends with one line naming the settings", async () => {
    const { dir, env } = vault("llm:\n  contextSize: 2048\n  maxTokens: 1024\n");
    const result = await runEmber(["ask", "show the status of the node"], { vault: dir, env });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(OVERFLOW);
    expect(lines[0]).toContain("holds 2048");
  }, 120_000);

  test("a context shrunk until the prompt alone no longer fits: an answer while it fits, then one line", async () => {
    const { dir, env } = vault("llm:\n  maxTokens: 16\n");
    const outcomes: string[] = [];
    let lastLine = "";
    for (const size of [2048, 1024, 512, 256]) {
      const result = await runEmber(["ask", "--json", "show the status of the node"], {
        vault: dir,
        env: { ...env, LLAMA_CPP_CONTEXT: String(size) },
      });
      if (result.code === 0) {
        const turn = JSON.parse(result.stdout);
        expect(turn.timings.contextTokens).toBeLessThanOrEqual(size);
        outcomes.push("answered");
        continue;
      }
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(OVERFLOW);
      expect(lines[0]).toContain(`holds ${size}`);
      lastLine = lines[0]!;
      outcomes.push("too small");
    }
    // The static prefix of the tiny model alone is several hundred tokens: 256 cannot hold it,
    // and the line says so.
    expect(outcomes[0]).toBe("answered");
    expect(outcomes.at(-1)).toBe("too small");
    expect(lastLine).toContain("or lower grounding.coreTokens (the static prefix alone takes");
  }, 120_000);

  test("in the REPL the question gets that line and the console goes on", async () => {
    const { dir, env } = vault();
    // --keep-going: a piped REPL otherwise stops at the first line that fails.
    const result = await runEmber(["repl", "--keep-going"], {
      vault: dir,
      stdin: "show the status of the node\n/help\n",
      env: { ...env, LLAMA_CPP_CONTEXT: "1024", LLAMA_CPP_MAX_TOKENS: "3000" },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /the turn needs \d+ tokens but the context holds 1024; raise llm\.contextSize \(LLAMA_CPP_CONTEXT\) or lower llm\.maxTokens/,
    );
    expect(result.stdout).toContain("Slash commands");
  }, 120_000);
});

/** Starts `ember ask` and resolves with the time its answer began and the process. */
function askStreaming(dir: string, env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, MAIN, "ask", "tell me everything about the node"], {
    cwd: dir,
    env: emberEnv(dir, env),
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  const firstByte = (async () => {
    const reader = proc.stdout.getReader();
    const { value } = await reader.read();
    const at = performance.now();
    // Keep draining so the process never blocks on a full pipe.
    void (async () => {
      while (!(await reader.read()).done) {}
    })();
    return { at, bytes: value?.length ?? 0 };
  })();
  return { proc, firstByte, stderr };
}

describe("a long answer is stopped on time", () => {
  // A bigger generated model and a long answer: the whole turn would take far longer than the bounds below.
  const slow = () =>
    vault("llm:\n  contextSize: 4096\n  maxTokens: 2000\n", tinyModelPath({ layers: 4, embd: 512 }));

  test("Ctrl-C during the answer ends it within about a second", async () => {
    const { dir, env } = slow();
    const { proc, firstByte, stderr } = askStreaming(dir, env);
    const first = await firstByte;
    expect(first.bytes).toBeGreaterThan(0);
    const sent = performance.now();
    proc.kill("SIGINT");
    const code = await proc.exited;
    const ms = performance.now() - sent;
    expect(code).toBe(130);
    // About a second: generation stops after the current token, prefill after the current slice.
    expect(ms).toBeLessThan(2500);
    expect(await stderr).not.toContain("    at ");
  }, 120_000);

  test("LLAMA_CPP_TIMEOUT stops the turn within about a second of the deadline", async () => {
    const { dir, env } = slow();
    const { proc, firstByte, stderr } = askStreaming(dir, { ...env, LLAMA_CPP_TIMEOUT: "2" });
    const first = await firstByte;
    const code = await proc.exited;
    const ms = performance.now() - first.at;
    expect(code).toBe(1);
    expect(await stderr).toContain("did not finish within 2 s (llm.timeoutSeconds, LLAMA_CPP_TIMEOUT)");
    // The deadline counts from the start of the turn, before the first answer byte.
    expect(ms).toBeLessThan(2000 + 2500);
  }, 120_000);
});
