import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type EmberTerminal, emberTerminals } from "../helpers/ember-terminals.ts";

const terminals = emberTerminals();

async function startRepl(env: Record<string, string> = {}): Promise<EmberTerminal> {
  const started = await terminals.start([], { env });
  await started.tmux.waitFor(/^ember> ?$/m, { timeoutMs: 20_000 });
  return started;
}

describe("the REPL in a real terminal", () => {
  test("banner, TAB completion of a command and of its arguments", async () => {
    const { tmux } = await startRepl();
    expect(await tmux.capture()).toContain("Ember");
    await tmux.sendText("/sta");
    await tmux.sendKeys("Tab");
    await tmux.waitFor(/ember> \/status ?$/m);
    await tmux.sendKeys("Enter");
    await tmux.waitFor("health:");
    await tmux.sendText("/config get llm.maxT");
    await tmux.sendKeys("Tab");
    await tmux.waitFor(/ember> \/config get llm\.maxTokens ?$/m);
    await tmux.sendKeys("Enter");
    await tmux.waitFor("llm.maxTokens = 128");
  });

  test("with TERM=dumb the banner promises no editing keys (the terminal reads whole lines)", async () => {
    const { tmux } = await terminals.start([], { env: { TERM: "dumb" } });
    const screen = await tmux.waitFor(/quit leaves\./);
    expect(screen).toContain("Ask in plain language, or /help for commands. quit leaves.");
    expect(screen).not.toContain("TAB");
  });

  test("help on a terminal is coloured, and not with NO_COLOR set to any non-empty value", async () => {
    const coloured = (await terminals.start(["--help"])).tmux;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an escape sequence is what is looked for.
    expect(await coloured.waitFor(/\x1b\[[0-9;]*m.*USAGE/, { escapes: true, history: true })).toContain(
      "COMMANDS",
    );
    const plain = (await terminals.start(["--help"], { env: { NO_COLOR: "yes" } })).tmux;
    const screen = await plain.waitFor("COMMANDS", { escapes: true, history: true });
    expect(screen).toContain("USAGE ember");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an escape sequence is what is looked for.
    expect(screen).not.toMatch(/\x1b\[(?!0?m)[0-9;]*m/);
  });

  test("Ctrl-L clears the screen, redraws the banner and keeps the half-typed line", async () => {
    const { tmux } = await startRepl();
    await tmux.sendText("/help");
    await tmux.sendKeys("Enter");
    await tmux.waitFor("Slash commands");
    await tmux.waitFor(/quit to leave\nember> ?$/);
    await tmux.sendText("/agents ru");
    await tmux.sendKeys("C-l");
    await tmux.waitFor(/ember> \/agents ru$/m);
    const screen = await tmux.capture();
    expect(screen).not.toContain("Slash commands");
    expect(screen.split("\n")[0]).toContain("Ember");
    await tmux.sendKeys("Tab");
    await tmux.waitFor(/ember> \/agents run ?$/m);
  });

  test("Ctrl-C clears a line, tells how to leave on an empty one, and twice leaves with 0", async () => {
    const { tmux } = await startRepl();
    await tmux.sendText("something half typed");
    await tmux.sendKeys("C-c");
    await tmux.waitFor(/^ember> ?$/m);
    await tmux.sendKeys("C-c");
    await tmux.waitFor("Ctrl-C again");
    await tmux.sendKeys("C-c");
    expect(await tmux.waitForExit()).toBe(0);
  });

  test("Ctrl-D and quit leave with 0; history persists in the vault", async () => {
    const first = await startRepl();
    await first.tmux.sendText("/history");
    await first.tmux.sendKeys("Enter");
    await first.tmux.waitFor("1  /history");
    await first.tmux.sendText("quit");
    await first.tmux.sendKeys("Enter");
    expect(await first.tmux.waitForExit()).toBe(0);
    expect(readFileSync(join(first.vault, "state", "history"), "utf8")).toBe("/history\n");

    const second = await startRepl();
    await second.tmux.sendKeys("C-d");
    expect(await second.tmux.waitForExit()).toBe(0);
  });

  test("TERM=dumb and NO_COLOR: no colour escapes, commands still run", async () => {
    const { tmux } = await startRepl({ TERM: "dumb", NO_COLOR: "1" });
    await tmux.sendText("/help");
    await tmux.sendKeys("Enter");
    await tmux.waitFor("Slash commands");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour escapes are what must be absent.
    expect(await tmux.capture({ escapes: true })).not.toMatch(/\x1b\[[0-9;]*m/);
  });
});
