/**
 * Fault class: the engine dies mid-answer (kill -9, out of memory). The REPL attached to it says
 * the engine went away, starts it again and carries on; the turn in flight is in its transcript as
 * `stopped: "engine lost"` with the answer so far, and the next question is answered.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EngineClient } from "../../src/engine/client.ts";
import { isAlive } from "../../src/os/process-alive.ts";
import { tempVault } from "../helpers/ember-cli.ts";
import { emberTerminals } from "../helpers/ember-terminals.ts";
import { eventually, type ServedEngine, serveEngine } from "../helpers/engine.ts";
import { tinyModelPath } from "../helpers/models.ts";

const terminals = emberTerminals();
let engine: ServedEngine | undefined;
afterAll(async () => {
  if (!engine) return;
  // The engine the REPL started again, and the one the test started (already killed).
  await new EngineClient(engine.socket).post("/v1/shutdown").catch(() => undefined);
  rmSync(engine.vault, { recursive: true, force: true });
  rmSync(engine.tmp, { recursive: true, force: true });
});

// Greedy sampling and a long answer: the tiny model's turn takes seconds, so the kill lands mid-answer.
const MODEL_ENV = {
  LLAMA_CPP_MODEL: tinyModelPath(),
  LLAMA_CPP_CONTEXT: "4096",
  LLAMA_CPP_MAX_TOKENS: "2000",
  LLAMA_CPP_TEMPERATURE: "0",
};

interface Entry {
  question: string;
  answer: string;
  stopped?: string;
}

function transcriptEntries(vault: string): Entry[] {
  const dir = join(vault, "logs", "transcripts");
  return readdirSync(dir).flatMap((file) =>
    readFileSync(join(dir, file), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Entry),
  );
}

describe("kill -9 of the engine mid-answer", () => {
  test("the pane says so, the engine comes back, the lost turn is recorded with its partial answer", async () => {
    const vault = tempVault();
    writeFileSync(
      join(vault, "README.md"),
      "# Node\n\nThis node runs Ember; /status says whether it is healthy.\n",
    );
    engine = await serveEngine(vault, MODEL_ENV);
    const killed = engine.proc.pid;
    const { tmux } = await terminals.start([], { vault, env: engine.env(MODEL_ENV) });
    await tmux.waitFor(/^ember> ?$/m);
    await tmux.sendText("is the node healthy?");
    await tmux.sendKeys("Enter");
    // The plan has run its command; the answer is streaming.
    await tmux.waitFor(/→ \//, { timeoutMs: 30_000 });
    await Bun.sleep(1500);
    process.kill(killed, "SIGKILL");
    await tmux.waitFor("[engine lost]", { history: true, joinWrapped: true, timeoutMs: 30_000 });
    await tmux.waitFor(/the engine is back \(pid \d+\); carry on/, { history: true, joinWrapped: true });
    expect(isAlive(killed)).toBe(false);

    const lost = transcriptEntries(vault).find((e) => e.stopped === "engine lost");
    expect(lost?.question).toBe("is the node healthy?");
    expect(lost?.answer.length).toBeGreaterThan(0);

    // Carry on: the next question is answered by the new engine, in a fresh conversation.
    const back = await new EngineClient(engine.socket).status();
    expect(back.pid).not.toBe(killed);
    await tmux.sendText("and now?");
    await tmux.sendKeys("Enter");
    await eventually(
      "the second question's transcript",
      () => transcriptEntries(vault).find((e) => e.question === "and now?") ?? undefined,
      60_000,
    );
    const again = transcriptEntries(vault).find((e) => e.question === "and now?");
    expect(again?.stopped).toBeUndefined();
  }, 120_000);
});
