import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emberTerminals } from "../helpers/ember-terminals.ts";
import { tinyModelPath } from "../helpers/models.ts";

const terminals = emberTerminals();

/**
 * A vault whose grounding is large enough that evaluating one question's prompt on a wider
 * generated model takes many seconds: long enough for Ctrl-C to land during the turn.
 */
function slowVault(): string {
  const vault = terminals.freshVault();
  mkdirSync(join(vault, "config"), { recursive: true });
  writeFileSync(
    join(vault, "config", "ember.yml"),
    "llm:\n  contextSize: 16384\ngrounding:\n  coreTokens: 14000\n",
  );
  const paragraph = "The node keeps its logs in the vault and reports its health with the status command. ";
  writeFileSync(join(vault, "README.md"), `# Node\n\n${paragraph.repeat(400)}\n`);
  mkdirSync(join(vault, "docs"));
  for (let i = 0; i < 20; i++)
    writeFileSync(join(vault, "docs", `health-${i}.md`), `# Health ${i}\n\n${paragraph.repeat(40)}\n`);
  return vault;
}

describe("asking in the REPL", () => {
  test("Ctrl-C during a turn stops it at once, marks it [interrupted], and the REPL goes on", async () => {
    const { tmux } = await terminals.start([], {
      vault: slowVault(),
      env: { LLAMA_CPP_MODEL: tinyModelPath({ embd: 512, layers: 4 }) },
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
