import { describe, expect, test } from "bun:test";
import { hudModelFrom } from "../../src/hud/model-state.ts";
import { ModelFileError, ModelNotFoundError } from "../../src/llm/errors.ts";
import { readModelInfo } from "../../src/llm/model-info.ts";
import { emberTerminals } from "../helpers/ember-terminals.ts";
import { tinyModelPath } from "../helpers/models.ts";

describe("hudModelFrom: the model loader's state as the HUD shows it", () => {
  test("none, loading (with the file's name when known) and failed", () => {
    expect(hudModelFrom({ kind: "none" })).toEqual({ state: "none" });
    expect(hudModelFrom({ kind: "loading" })).toEqual({ state: "loading" });
    expect(hudModelFrom({ kind: "loading", path: "/m/qwen2.5-1.5b.Q4_K_M.gguf" })).toEqual({
      state: "loading",
      name: "qwen2.5-1.5b.Q4_K_M",
    });
    expect(hudModelFrom({ kind: "failed", error: new ModelFileError("/m/x.gguf", "cut short") })).toEqual({
      state: "failed",
    });
  });

  test("no model file anywhere is no model, not a failure", () => {
    expect(
      hudModelFrom({
        kind: "failed",
        error: new ModelNotFoundError(["/v/models"], undefined, "put a .gguf file in one of them"),
      }),
    ).toEqual({
      state: "none",
    });
  });
});

const terminals = emberTerminals();

describe("the REPL pushes its model state into tmux", () => {
  test("with a model, the HUD goes to ready and names it", async () => {
    const model = tinyModelPath();
    const { name } = await readModelInfo(model);
    const { tmux } = await terminals.start(["repl"], { env: { LLAMA_CPP_MODEL: model } });
    await tmux.waitFor(/^ember> ?$/m);
    const deadline = Date.now() + 60_000;
    let hud = "";
    while (!hud.includes(`#[fg=green]${name}#[fg=default]`) && Date.now() < deadline) {
      await Bun.sleep(100);
      hud = await tmux.tmux(["show-options", "-gqv", "@ember_hud"]);
    }
    expect(hud).toContain(`#[fg=green]${name}#[fg=default]`);
    expect(hud).toStartWith("#[fg=colour244]test#[fg=default]");
  }, 120_000);

  test("after a turn, the HUD shows the turn's tokens per second", async () => {
    const { tmux } = await terminals.start(["repl"], { env: { LLAMA_CPP_MODEL: tinyModelPath() } });
    await tmux.waitFor(/^ember> ?$/m);
    expect(await tmux.tmux(["show-options", "-gqv", "@ember_hud"])).not.toContain("tok/s");
    await tmux.sendText("is the node healthy?");
    await tmux.sendKeys("Enter");
    await tmux.waitFor(/\n(.*\n)*ember> ?$/m, { timeoutMs: 60_000 });
    const deadline = Date.now() + 10_000;
    let hud = "";
    while (!/\d tok\/s/.test(hud) && Date.now() < deadline) {
      await Bun.sleep(100);
      hud = await tmux.tmux(["show-options", "-gqv", "@ember_hud"]);
    }
    expect(hud).toMatch(/\]\d+(\.\d)? tok\/s#/);
  }, 120_000);
});
