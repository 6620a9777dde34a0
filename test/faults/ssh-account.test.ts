/**
 * Fault class: an operator account that SSH treats as locked. Alpine's OpenSSH is built without
 * PAM, so a shadow password field starting with `!` refuses even key logins. Provisioning must
 * give the account `*` (no password can match, but it is not locked), and correct an account an
 * older provision wrote with `!`.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, run } from "../alpine/shell.ts";

const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** A folder shaped like the Alpine overlay's base /etc, as alpine/build-overlay.sh provisions it. */
function alpineRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "ember-ssh-account-"));
  roots.push(root);
  cpSync(join(REPO, "alpine", "overlay", "etc"), join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc", "alpine-release"), "3.22.0\n");
  return root;
}

const provision = (root: string) =>
  run(["sh", join(REPO, "scripts", "provision.sh"), "--root", root], {
    EMBER_BINARY: "none",
    EMBER_ARCH: "aarch64",
  });

/** The second field of the account's /etc/shadow line. */
function passwordField(root: string, user = "ember"): string | undefined {
  const line = readFileSync(join(root, "etc", "shadow"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  return line?.split(":")[1];
}

describe("the operator account on the appliance", () => {
  test("is created with an unusable password that is not a lock", async () => {
    const root = alpineRoot();
    const result = await provision(root);
    expect(result.code).toBe(0);
    expect(passwordField(root)).toBe("*");
    expect(statSync(join(root, "etc", "shadow")).mode & 0o777).toBe(0o640);
  });

  test("an account locked by an older provision is unlocked to `*`, and only its own field changes", async () => {
    const root = alpineRoot();
    const shadow = join(root, "etc", "shadow");
    const others = readFileSync(shadow, "utf8");
    writeFileSync(shadow, `${others}ember:!::0:99999:7:::\n`);
    const first = await provision(root);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("write /etc/shadow");
    expect(passwordField(root)).toBe("*");
    expect(readFileSync(shadow, "utf8")).toBe(`${others}ember:*::0:99999:7:::\n`);
    expect((await provision(root)).stdout).toEndWith("provision: 0 changes\n");
  });
});
