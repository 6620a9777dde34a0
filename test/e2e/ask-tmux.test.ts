import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emberEnv, MAIN, tempVault } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";
import { TmuxSession } from "../helpers/tmux.ts";

const vaults: string[] = [];
let tmux: TmuxSession | undefined;
afterEach(async () => {
  await tmux?.kill();
  tmux = undefined;
});
afterAll(() => {
  for (const v of vaults) rmSync(v, { recursive: true, force: true });
});

/**
 * A vault whose grounding is large enough that evaluating one question's prompt on a wider
 * generated model takes many seconds: long enough for Ctrl-C to land during the turn.
 */
function slowVault(): string {
  const vault = tempVault();
  vaults.push(vault);
  mkdirSync(join(vault, "config"), { recursive: true });
  writeFileSync(join(vault, "config", "ember.yml"), "llm:\n  contextSize: 16384\n  groundingTokens: 14000\n");
  const paragraph = "The node keeps its logs in the vault and reports its health with the status command. ";
  writeFileSync(join(vault, "README.md"), `# Node\n\n${paragraph.repeat(400)}\n`);
  mkdirSync(join(vault, "docs"));
  for (let i = 0; i < 20; i++)
    writeFileSync(join(vault, "docs", `health-${i}.md`), `# Health ${i}\n\n${paragraph.repeat(40)}\n`);
  return vault;
}

describe("asking in the REPL", () => {
  test("Ctrl-C during a turn stops it at once, marks it [interrupted], and the REPL goes on", async () => {
    const vault = slowVault();
    tmux = await TmuxSession.start({
      command: [process.execPath, MAIN],
      env: emberEnv(vault, { TERM: "screen", LLAMA_CPP_MODEL: tinyModelPath({ embd: 512, layers: 4 }) }),
      cwd: vault,
      width: 100,
      height: 30,
    });
    await tmux.waitFor(/^ember> ?$/m, { timeoutMs: 30_000 });
    await tmux.sendText("is the node healthy?");
    await tmux.sendKeys("Enter");
    await tmux.waitFor(/thinking|loading the model/, { timeoutMs: 30_000 });
    await tmux.sendKeys("C-c");
    await tmux.waitFor("[interrupted]", { timeoutMs: 15_000 });
    await tmux.waitFor(/\[interrupted\]\n(.*\n)*ember> ?$/m, { timeoutMs: 15_000 });
    await tmux.sendText("/model");
    await tmux.sendKeys("Enter");
    await tmux.waitFor(/^\*\s+Ember Tiny Test Model/m, { timeoutMs: 15_000 });
    await tmux.sendText("quit");
    await tmux.sendKeys("Enter");
    expect(await tmux.waitForExit({ timeoutMs: 15_000 })).toBe(0);
  }, 120_000);
});
