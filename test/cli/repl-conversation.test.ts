import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TranscriptEntry } from "../../src/planner/transcript.ts";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";
import { tinyModelPath } from "../helpers/models.ts";

const vaults: string[] = [];
afterAll(() => {
  for (const v of vaults) rmSync(v, { recursive: true, force: true });
});

describe("a REPL session is one conversation", () => {
  test("each question follows the earlier ones in the context; /new starts a fresh one and a new transcript", async () => {
    const dir = tempVault();
    vaults.push(dir);
    writeFileSync(join(dir, "README.md"), "# Node\n\nThis node runs Ember.\n");
    copyFileSync(tinyModelPath(), join(dir, "model.gguf"));
    const result = await runEmber(["repl", "--keep-going"], {
      vault: dir,
      stdin: "first question\nsecond question\n/new\nthird question\n/clear\nfourth question\n",
      env: {
        LLAMA_CPP_MODEL: join(dir, "model.gguf"),
        LLAMA_CPP_CONTEXT: "4096",
        LLAMA_CPP_MAX_TOKENS: "16",
      },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("new conversation (transcript logs/transcripts/");
    const folder = join(dir, "logs", "transcripts");
    const files = readdirSync(folder).sort();
    expect(files).toHaveLength(2);
    const turns = files.map((f) =>
      readFileSync(join(folder, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as TranscriptEntry),
    );
    const [[one, two], [three, four]] = turns as [
      [TranscriptEntry, TranscriptEntry],
      [TranscriptEntry, TranscriptEntry],
    ];
    expect([one.question, two.question, three.question, four.question]).toEqual([
      "first question",
      "second question",
      "third question",
      "fourth question",
    ]);
    // Turn 2 found all of turn 1 in the context and evaluated only its own tokens.
    expect(two.timings.reusedTokens).toBe(one.timings.contextTokens);
    // After /new the context is back to the static prefix: turn 1 and 2 are gone from it.
    expect(three.timings.reusedTokens).toBe(three.timings.staticTokens);
    // /clear only clears the screen: turn 4 follows turn 3.
    expect(four.timings.reusedTokens).toBe(three.timings.contextTokens);
  }, 120_000);
});
