import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loginShellPath } from "../../src/cli/pane.ts";
import { loginShell, passwdShell } from "../../src/os/login-shell.ts";
import { tempDir } from "../agents/context.ts";

const root = tempDir("ember-login-shell-");
afterAll(root.cleanup);

test("loginShell prefers $SHELL, then the password database, and checks it is executable", () => {
  expect(loginShell({ SHELL: "/bin/sh" })).toEqual({ path: "/bin/sh", from: "$SHELL", usable: true });
  expect(loginShell({ SHELL: join(root.dir, "nosh") })).toMatchObject({ usable: false });
  expect(loginShell({}, () => "/bin/sh")).toEqual({ path: "/bin/sh", from: "/etc/passwd", usable: true });
  expect(loginShell({}, () => "")).toEqual({ path: "", from: "/etc/passwd", usable: false });
});

test("passwdShell reads the user's entry from the password file, or is empty without one", () => {
  const passwd = join(root.dir, "passwd");
  writeFileSync(passwd, "root:x:0:0:root:/root:/bin/ash\nember:x:1000:1000::/home/ember:/bin/zsh\nbroken\n");
  expect(passwdShell(passwd, 1000)).toBe("/bin/zsh");
  expect(passwdShell(passwd, 0)).toBe("/bin/ash");
  expect(passwdShell(passwd, 4242)).toBe("");
  expect(passwdShell(join(root.dir, "no-passwd"), 0)).toBe("");
});

test("passwdShell parses nothing it cannot cap: a FIFO in place of the file is no entry, at once", () => {
  const fifo = join(root.dir, "passwd-fifo");
  Bun.spawnSync(["mkfifo", fifo]);
  expect(passwdShell(fifo, 0)).toBe("");
});

test("a pane falls back to /bin/sh when neither $SHELL nor the account gives a usable shell", () => {
  expect(loginShellPath({ SHELL: "/bin/sh" })).toBe("/bin/sh");
  expect(loginShellPath({ SHELL: join(root.dir, "nosh") })).toBe("/bin/sh");
  expect(loginShellPath({ SHELL: "/bin/bash" })).toBe("/bin/bash");
});
