/**
 * Fault class: a command line Ember cannot run as written (an unknown option or command, a
 * missing or malformed argument). It must not run anything, and must say so in one line, then
 * the command's synopsis, with exit code 2 (README, "Exit codes"). Before issue 12,
 * `ember index --bogus` indexed the vault and exited 0. Through the real program.
 */

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { ESCAPES, runEmber, tempVaults } from "../helpers/ember-cli.ts";

const vault = tempVaults();

describe("usage errors exit 2 with one line and the synopsis, before anything runs", () => {
  test.each([
    [["index", "--bogus"], "ember index: unknown option --bogus", "usage: ember index [--json]"],
    [["--bogus"], "ember: unknown option --bogus", "usage: ember [repl|"],
    [["stauts"], "ember: unknown command stauts — did you mean status?", "usage: ember [repl|"],
    [["model", "foo"], "ember model: unknown command foo", "usage: ember model [pull] [--json]"],
    [["status", "extra"], "ember status: unexpected argument extra", "usage: ember status [--json]"],
    [["hud", "--width"], "ember hud: option --width needs a value", "usage: ember hud [--width WIDTH]"],
    [["search"], "ember search: Missing required positional argument: QUERY", "usage: ember search <QUERY>"],
    [["help", "bogus"], "ember: unknown command bogus", "usage: ember [repl|"],
  ])("ember %p", async (args, message, synopsis) => {
    const v = vault();
    const { code, stdout, stderr } = await runEmber(args, { vault: v, env: { TERM: "xterm-256color" } });
    expect(code).toBe(EXIT.usage);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toStartWith(message);
    expect(lines[1]).toStartWith(synopsis);
    expect(lines).toHaveLength(3);
    expect(stderr).not.toMatch(ESCAPES);
    // Nothing ran: not even the log the REPL or the index would have started.
    expect(await Bun.file(join(v, "logs", "ember.log")).exists()).toBe(false);
  });

  test("a bad value a command checks itself is a usage error too", async () => {
    const { code, stderr } = await runEmber(["search", "--limit", "many", "wifi"], { vault: vault() });
    expect(code).toBe(EXIT.usage);
    expect(stderr).toStartWith("ember search: --limit many: expected a whole number of hits\n");
  });
});
