import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { discoverPlugins } from "../../src/plugins/discover.ts";
import { tempDir } from "../agents/context.ts";
import { ECHO_SCRIPT, manifestFor, writePlugin } from "./fixtures.ts";

const root = tempDir("ember-discover-");
afterAll(root.cleanup);
let n = 0;
const folder = () => {
  const dir = join(root.dir, `set-${++n}`);
  mkdirSync(dir);
  return dir;
};

describe("discoverPlugins", () => {
  test("finds */plugin.yml in each folder, in order, with runnable commands", () => {
    const system = folder();
    const vault = folder();
    const tools = writePlugin(
      system,
      "tools",
      manifestFor("tools", [
        { name: "disk", exec: "bin/disk", extra: "plannerAllowed: true" },
        { name: "wipe", exec: "wipe.sh", extra: "timeoutMs: 900" },
      ]),
      { "bin/disk": ECHO_SCRIPT, "wipe.sh": ECHO_SCRIPT },
    );
    const notes = writePlugin(vault, "notes", manifestFor("notes", [{ name: "note", exec: "note" }]), {
      note: ECHO_SCRIPT,
    });
    mkdirSync(join(vault, "not-a-plugin"));
    writeFileSync(join(vault, "README.md"), "plugins live in folders");

    const found = discoverPlugins([system, vault], 5000);
    expect(found.problems).toEqual([]);
    expect(found.folders).toEqual([system, vault]);
    expect(found.plugins).toEqual([
      {
        name: "tools",
        version: "1.0.0",
        description: "the tools plugin",
        dir: tools,
        manifest: join(tools, "plugin.yml"),
        commands: ["disk", "wipe"],
      },
      {
        name: "notes",
        version: "1.0.0",
        description: "the notes plugin",
        dir: notes,
        manifest: join(notes, "plugin.yml"),
        commands: ["note"],
      },
    ]);
    expect(found.commands).toEqual([
      {
        plugin: "tools",
        name: "disk",
        summary: "runs disk",
        usage: "/disk [ARGS]",
        plannerRequested: true,
        exec: join(tools, "bin/disk"),
        dir: tools,
        timeoutMs: 5000,
      },
      expect.objectContaining({ name: "wipe", plannerRequested: false, timeoutMs: 900 }),
      expect.objectContaining({ plugin: "notes", name: "note", exec: join(notes, "note") }),
    ]);
  });

  test("a malformed manifest is reported with file:line:col and the other plugins still load", () => {
    const dir = folder();
    writePlugin(dir, "broken", "name: broken\ncommands:\n  - name: x\n    exec: [oops\n");
    writePlugin(dir, "good", manifestFor("good", [{ name: "good", exec: "run" }]), { run: ECHO_SCRIPT });
    const found = discoverPlugins([dir], 5000, root.dir);
    expect(found.plugins.map((p) => p.name)).toEqual(["good"]);
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]).toMatch(new RegExp(`^set-${n}/broken/plugin\\.yml:\\d+:\\d+ \\(yaml\\): `));
  });

  test("a duplicate command name keeps the first and reports the rest", () => {
    const dir = folder();
    writePlugin(
      dir,
      "a",
      manifestFor("a", [
        { name: "status", exec: "run" },
        { name: "status", exec: "run" },
      ]),
      {
        run: ECHO_SCRIPT,
      },
    );
    writePlugin(
      dir,
      "b",
      manifestFor("b", [
        { name: "status", exec: "run" },
        { name: "other", exec: "run" },
      ]),
      {
        run: ECHO_SCRIPT,
      },
    );
    const found = discoverPlugins([dir], 5000);
    expect(found.commands.map((c) => `${c.plugin}/${c.name}`)).toEqual(["a/status", "b/other"]);
    expect(found.problems).toEqual([
      "plugin a command status ignored: the name is taken by an earlier command of the same plugin",
      "plugin b command status ignored: the name is taken by plugin a",
    ]);
  });

  test("a plugin name found twice keeps the first folder's", () => {
    const first = folder();
    const second = folder();
    writePlugin(first, "same", manifestFor("same", [{ name: "one", exec: "run" }]), { run: ECHO_SCRIPT });
    writePlugin(second, "same", manifestFor("same", [{ name: "two", exec: "run" }]), { run: ECHO_SCRIPT });
    const found = discoverPlugins([first, second], 5000, root.dir);
    expect(found.commands.map((c) => c.name)).toEqual(["one"]);
    expect(found.problems).toEqual([
      `plugin same in set-${n}/same ignored: already found in set-${n - 1}/same`,
    ]);
  });

  test("a missing or non-executable executable is reported and its command left out", () => {
    const dir = folder();
    const plugin = writePlugin(
      dir,
      "partial",
      manifestFor("partial", [
        { name: "gone", exec: "bin/gone" },
        { name: "plain", exec: "plain.sh" },
        { name: "fine", exec: "fine.sh" },
      ]),
      { "fine.sh": ECHO_SCRIPT, "plain.sh": ECHO_SCRIPT },
    );
    chmodSync(join(plugin, "plain.sh"), 0o644);
    const found = discoverPlugins([dir], 5000, root.dir);
    expect(found.commands.map((c) => c.name)).toEqual(["fine"]);
    expect(found.plugins[0]?.commands).toEqual(["fine"]);
    expect(found.problems).toEqual([
      `plugin partial command gone: executable not found: set-${n}/partial/bin/gone`,
      `plugin partial command plain: executable is not executable (chmod +x): set-${n}/partial/plain.sh`,
    ]);
  });

  test("a folder that does not exist has no plugins and is not a problem; one listed twice is searched once", () => {
    const dir = folder();
    writePlugin(dir, "p", manifestFor("p", [{ name: "p", exec: "run" }]), { run: ECHO_SCRIPT });
    const found = discoverPlugins([join(root.dir, "absent"), dir, `${dir}/`], 5000);
    expect(found.problems).toEqual([]);
    expect(found.folders).toEqual([join(root.dir, "absent"), dir]);
    expect(found.commands).toHaveLength(1);
  });

  test("a plugin folder that is a file is reported", () => {
    const file = join(root.dir, "a-file");
    writeFileSync(file, "");
    expect(discoverPlugins([file], 5000).problems[0]).toStartWith(`cannot list plugin folder ${file}: `);
  });
});
