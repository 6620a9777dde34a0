import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { Engine } from "../../src/engine/engine.ts";
import { runLine, tempApp } from "../helpers/app.ts";
import { tinyModelPath } from "../helpers/models.ts";

let app: App;
let engine: Engine;
let vault: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ app, vault, cleanup } = await tempApp());
  mkdirSync(join(vault, "models"), { recursive: true });
  copyFileSync(tinyModelPath(), join(vault, "models", "tiny.gguf"));
  engine = new Engine(app);
});
afterAll(async () => {
  await engine.close();
  cleanup();
});

describe("/model", () => {
  test("lists the discovered model with its metadata and marks the one Ember would load", async () => {
    const { output, result } = await runLine(app, "/model", "operator", engine);
    expect(result.ok).toBe(true);
    const row = output.split("\n").find((line) => line.includes("tiny.gguf"));
    expect(row).toMatch(
      /^\*\s+Ember Tiny Test Model\s+llama\s+135K\s+F32\s+4096\s+[\d.]+ KiB\s+\S+tiny\.gguf$/,
    );
    expect(output).toContain("loads on the first question");
  }, 120_000);

  test("/model use switches (and loads) the model; an unknown one is a one-line error", async () => {
    const { output } = await runLine(app, "/model use tiny", "operator", engine);
    expect(output).toContain("using Ember Tiny Test Model");
    expect((await runLine(app, "/model", "operator", engine)).output).toMatch(
      /loaded, 1 threads, context \d+/,
    );
    const missing = await runLine(app, "/model use nothing-like-this", "operator", engine);
    expect(missing.output).toContain('no model matches "nothing-like-this"');
  }, 120_000);

  test("the planner may not run it", async () => {
    const { result } = await runLine(app, "/model use tiny", "planner", engine);
    expect(result.refused).toContain("not allowed for the planner");
  }, 120_000);
});
