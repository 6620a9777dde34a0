/**
 * Fault class: escape codes in text Ember did not write reaching the terminal. Documents, file
 * names, plugin output (and its "not JSON" preview), echoed input, the log and the HUD all carry
 * an OSC that sets the terminal's title and a CSI that clears the screen; each is shown as
 * Control Pictures (`␛]0;PWNED␇`, `␛[2J`), never obeyed. Through the real program, and /search in
 * a real tmux pane whose title must not change.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runEmber } from "../helpers/ember-cli.ts";
import { emberTerminals } from "../helpers/ember-terminals.ts";

const TITLE = "\x1b]0;PWNED\x07";
const CLEAR = "\x1b[2J";
const SHOWN = "␛]0;PWNED␇";
/** Any control character but newline and tab: what must never reach the terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const terminals = emberTerminals();

/** A vault with a hostile document (and a hostile file name), and a plugin that prints escapes. */
function hostileVault(): string {
  const vault = terminals.freshVault();
  mkdirSync(join(vault, "docs"), { recursive: true });
  writeFileSync(
    join(vault, "docs", "radio.md"),
    `# Radio\n\nThe antenna tuner${TITLE} is under the bench.${CLEAR} Check it weekly.\n`,
  );
  writeFileSync(join(vault, "docs", `evil${TITLE}name.md`), "# Notes\n\nThe antenna mast is painted red.\n");
  const plugin = join(vault, "plugins", "loud");
  mkdirSync(plugin, { recursive: true });
  writeFileSync(
    join(plugin, "plugin.yml"),
    [
      "name: loud",
      'version: "1.0.0"',
      "description: prints escape codes",
      "commands:",
      "  - {name: loud, summary: answers with escapes, usage: /loud, exec: loud.sh}",
      "  - {name: raw, summary: answers raw escapes, usage: /raw, exec: raw.sh}",
      "",
    ].join("\n"),
  );
  // JSON escapes: the answer's output itself holds the control characters.
  writeFileSync(
    join(plugin, "loud.sh"),
    `#!/bin/sh\ncat >/dev/null\nprintf '{"ok":true,"output":"tuned\\\\u001b]0;PWNED\\\\u0007 and\\\\u001b[2J cleared"}'\n`,
  );
  // Not JSON at all: the preview of a bad answer quotes it.
  writeFileSync(
    join(plugin, "raw.sh"),
    `#!/bin/sh\ncat >/dev/null\nprintf 'oops\\033]0;PWNED\\007\\033[2J'\n`,
  );
  chmodSync(join(plugin, "loud.sh"), 0o755);
  chmodSync(join(plugin, "raw.sh"), 0o755);
  return vault;
}

describe("ember search", () => {
  test("a document's escapes and a file name's escapes are shown, not obeyed", async () => {
    const vault = hostileVault();
    const { stdout, stderr } = await runEmber(["search", "antenna"], { vault });
    expect(stderr).toBe("");
    expect(stdout).not.toMatch(RAW_CONTROL);
    expect(stdout).toContain(`tuner${SHOWN} is under the bench.␛[2J Check`);
    expect(stdout).toContain(`docs/evil${SHOWN}name.md`);
  });
});

test("a command-line argument echoed in a usage error is shown, not obeyed", async () => {
  const vault = hostileVault();
  const { code, stderr } = await runEmber(["search", "antenna", "--limit", `9${CLEAR}`], { vault });
  expect(code).toBe(2);
  expect(stderr).not.toMatch(RAW_CONTROL);
  expect(stderr).toContain("ember search: --limit 9␛[2J: expected a whole number of hits");
});

describe("the REPL, piped", () => {
  test("plugin output, a plugin's non-JSON answer and echoed input are shown, not obeyed", async () => {
    const vault = hostileVault();
    const input = ["/loud", "/raw", `/nosuch${TITLE}`, "/search antenna", ""].join("\n");
    const { stdout, stderr } = await runEmber(["--keep-going"], { vault, stdin: input });
    const all = stdout + stderr;
    expect(all).not.toMatch(RAW_CONTROL);
    expect(all).toContain(`tuned${SHOWN} and␛[2J cleared`);
    expect(all).toContain(`answered something that is not JSON: oops${SHOWN}␛[2J`);
    // Command names are matched in lower case, and echoed so.
    expect(all).toContain("unknown command /nosuch␛]0;pwned␇ — try /help");
    expect(all).toContain(`tuner${SHOWN} is under the bench.`);
  });

  test("ember logs shows what the log quotes (C1 controls too) as pictures", async () => {
    const vault = hostileVault();
    // The command name is logged as typed; JSON escapes C0 controls in the log but not C1 (CSI U+009B).
    await runEmber(["--keep-going"], { vault, stdin: "/nosuch\u009b2J\n" });
    const { stdout } = await runEmber(["logs"], { vault });
    expect(stdout).not.toMatch(RAW_CONTROL);
    expect(stdout).toContain("command=nosuch␛[2j");
    const json = await runEmber(["logs", "--json"], { vault });
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(json.stdout).toContain('"command":"nosuch\\u009b2j"'); // the same JSON, escaped as C0 is
  });
});

test("ember hud shows a hostile vault name as pictures", async () => {
  const parent = terminals.freshVault();
  const vault = join(parent, `v${CLEAR}`);
  mkdirSync(vault);
  const { stdout } = await runEmber(["hud"], { vault, env: { HOME: parent } });
  expect(stdout).not.toMatch(RAW_CONTROL);
  expect(stdout).toContain("v␛[2J");
});

test("/search in a real terminal: the pane's title is unchanged and the screen is not cleared", async () => {
  const vault = hostileVault();
  const { tmux } = await terminals.start([], { vault });
  await tmux.waitFor(/^ember> ?$/m, { timeoutMs: 30_000 });
  const titleBefore = await tmux.display("#{pane_title}");
  await tmux.sendText("/search antenna");
  await tmux.sendKeys("Enter");
  await tmux.waitFor(SHOWN);
  const screen = await tmux.capture();
  expect(screen).toContain("offline operator console"); // the banner: nothing cleared it
  expect(screen).toContain(`tuner${SHOWN} is under the bench.␛[2J Check`);
  expect(await tmux.display("#{pane_title}")).toBe(titleBefore);
  expect(titleBefore).not.toContain("PWNED");
});
