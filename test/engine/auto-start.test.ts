import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EngineClient } from "../../src/engine/client.ts";
import { enginePaths } from "../../src/engine/socket-path.ts";
import { isAlive } from "../../src/os/process-alive.ts";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";
import { eventually, shortTempDir, writeEngineConfig } from "../helpers/engine.ts";
import { tinyModelPath } from "../helpers/models.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function setup(engineKeys: Record<string, number> = {}) {
  const vault = tempVault();
  const tmp = shortTempDir();
  dirs.push(vault, tmp);
  writeEngineConfig(vault, engineKeys);
  const env = {
    EMBER_ENGINE: "on",
    TMPDIR: tmp,
    LLAMA_CPP_MODEL: tinyModelPath(),
    LLAMA_CPP_CONTEXT: "2048",
  };
  return { vault, tmp, env, paths: enginePaths(vault, process.getuid?.(), tmp) };
}

describe("a client with no engine running", () => {
  test("ember ask starts ember serve detached, is answered by it, and the engine exits after engine.idleMinutes", async () => {
    // 0.05 minutes: three seconds with no client.
    const { vault, env, paths } = setup({ idleMinutes: 0.05 });
    const asked = await runEmber(["ask", "--json", "hello?"], { vault, env });
    expect(asked.stderr).toBe("");
    expect(asked.code).toBe(0);
    const client = new EngineClient(paths.socket);
    const status = await client.status();
    expect(status.conversations).toBe(1);
    expect(status.model.state).toBe("ready");
    // The engine outlived the ask that started it; it goes once idle.
    await eventually("the idle engine to exit", () => !isAlive(status.pid) || undefined, 30_000);
    expect(existsSync(paths.socket)).toBe(false);
    expect(existsSync(paths.pidFile)).toBe(false);
  }, 60_000);

  test("--no-engine runs in-process and starts nothing", async () => {
    const { vault, env, paths } = setup();
    const asked = await runEmber(["ask", "--no-engine", "--json", "hello?"], { vault, env });
    expect(asked.code).toBe(0);
    expect(typeof JSON.parse(asked.stdout).response).toBe("string");
    expect(existsSync(paths.folder) && readdirSync(paths.folder).some((f) => f.endsWith(".sock"))).toBe(
      false,
    );
  });

  test("an engine that cannot be started is one line, and the question is answered in-process", async () => {
    const { vault, env, paths } = setup();
    mkdirSync(join(paths.folder, ".."), { recursive: true });
    writeFileSync(paths.folder, "not a folder");
    const asked = await runEmber(["ask", "--json", "hello?"], { vault, env });
    expect(asked.code).toBe(0);
    expect(asked.stderr).toBe(
      `ember ask: cannot start the engine (${paths.folder} is not a folder of this user's; remove it); running in-process\n`,
    );
    expect(typeof JSON.parse(asked.stdout).response).toBe("string");
  });

  test("a REPL that falls back in-process checks the llama addon itself, as its toolchain agent says", async () => {
    const { vault, env, paths } = setup();
    mkdirSync(join(paths.folder, ".."), { recursive: true });
    writeFileSync(paths.folder, "not a folder");
    // The question runs first: its turn waits for the check, so /agents shows it done.
    const repl = await runEmber(["--keep-going"], { vault, env, stdin: "hello?\n/agents\n" });
    expect(repl.code).toBe(0);
    expect(repl.stdout).toMatch(/toolchain +enabled +ok +.*, llama (prebuilt|localBuild) +\d+ ms\n/);
  });
});
