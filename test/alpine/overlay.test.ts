import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { REPO, run, runOk } from "./shell.ts";

const BUILD = join(REPO, "alpine", "build-overlay.sh");
let dir: string;
let overlay: string;

interface Entry {
  type: string;
  mode: string;
  owner: string;
  link?: string;
}

/** `tar tv` of the apkovl, by path: type letter, permission string, numeric uid/gid, link target. */
async function entries(tarball: string): Promise<Map<string, Entry>> {
  const listing = await runOk(["tar", "--numeric-owner", "-tvzf", tarball]);
  const out = new Map<string, Entry>();
  for (const line of listing.trim().split("\n")) {
    const [perm = "", owner = "", , , , ...rest] = line.split(/\s+/);
    const [path = "", link] = rest.join(" ").split(" -> ");
    out.set(path.replace(/\/$/, ""), { type: perm[0] ?? "", mode: perm.slice(1), owner, link });
  }
  return out;
}

const member = (tarball: string, path: string) => runOk(["tar", "-xOzf", tarball, path]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ember-overlay-"));
  overlay = join(dir, "ember.apkovl.tar.gz");
  await runOk(["sh", BUILD], { OUT: overlay, SOURCE_DATE_EPOCH: "1700000000" });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("make overlay (alpine/build-overlay.sh)", () => {
  test("paths are relative and never include the root folder itself", async () => {
    const paths = [...(await entries(overlay)).keys()];
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) expect(p).toMatch(/^(etc|home|usr)(\/|$)/);
  });

  test("/etc/apk/world holds the runtime packages, one per line", async () => {
    const world = (await member(overlay, "etc/apk/world")).trim().split("\n");
    for (const p of [
      "alpine-base",
      "tmux",
      "zsh",
      "gcompat",
      "libstdc++",
      "libgcc",
      "e2fsprogs",
      "agetty",
      "openssh",
    ])
      expect(world).toContain(p);
    expect(world).toEqual([...world].sort());
  });

  test("the ember user: zsh, locked password, root-owned account files, its own home", async () => {
    const list = await entries(overlay);
    expect(await member(overlay, "etc/passwd")).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh$/m);
    expect(await member(overlay, "etc/passwd")).toMatch(
      /^ember:x:1000:1000:Ember:\/home\/ember:\/bin\/zsh$/m,
    );
    expect(await member(overlay, "etc/shadow")).toMatch(/^ember:\*:/m);
    expect(await member(overlay, "etc/group")).toMatch(/^ember:x:1000:$/m);
    expect(list.get("etc/shadow")).toMatchObject({ mode: "rw-r-----", owner: "0/0" });
    expect(list.get("etc/passwd")).toMatchObject({ mode: "rw-r--r--", owner: "0/0" });
    expect(list.get("home/ember")).toMatchObject({ type: "d", mode: "rwxr-x---", owner: "1000/1000" });
    expect(list.get("home/ember/.zshrc")?.owner).toBe("1000/1000");
    expect(list.get("home")?.owner).toBe("0/0");
    expect(await member(overlay, "home/ember/.zshrc")).not.toContain("@EMBER_");
    expect(await member(overlay, "home/ember/.zprofile")).toContain(". /etc/ember/profile.sh");
    expect(await member(overlay, "etc/ember/profile.sh")).toBe(
      readFileSync(join(REPO, "templates/profile.sh"), "utf8"),
    );
  });

  test("tty1 logs ember in by itself; the other consoles keep their getty", async () => {
    const inittab = await member(overlay, "etc/inittab");
    expect(inittab.match(/^tty1:.*$/gm)).toEqual([
      "tty1::respawn:/sbin/agetty --autologin ember --noclear 38400 tty1 linux",
    ]);
    expect(inittab).toContain("::wait:/sbin/openrc default");
    expect(inittab).toContain("tty2::respawn:/sbin/getty 38400 tty2");
  });

  test("the ember service is executable, enabled, and mounts LABEL=EMBERDATA", async () => {
    const list = await entries(overlay);
    expect(list.get("etc/init.d/ember")).toMatchObject({ type: "-", mode: "rwxr-xr-x", owner: "0/0" });
    expect(list.get("etc/runlevels/default/ember")?.link).toBe("/etc/init.d/ember");
    for (const [level, service] of [
      ["sysinit", "modloop"],
      ["boot", "hostname"],
      ["shutdown", "savecache"],
    ])
      expect(list.get(`etc/runlevels/${level}/${service}`)?.link).toBe(`/etc/init.d/${service}`);
    const conf = await member(overlay, "etc/conf.d/ember");
    expect(conf).toContain("EMBER_DATA_LABEL=EMBERDATA\n");
    expect(conf).toContain("EMBER_DATA_MOUNT=/media/data\n");
    expect(conf).toContain("EMBER_DATA_GROW=yes\n");
    const script = await member(overlay, "etc/init.d/ember");
    expect(script.startsWith("#!/sbin/openrc-run\n")).toBe(true);
    const syntax = join(dir, "ember.initd");
    writeFileSync(syntax, script);
    expect((await run(["sh", "-n", syntax])).code).toBe(0);
  });

  test("binary, models and vault point at the data partition, not the RAM root", async () => {
    const list = await entries(overlay);
    expect(list.get("usr/local/bin/ember")?.link).toBe("/media/data/ember/bin/ember");
    expect([...list.keys()].some((p) => p.startsWith("media"))).toBe(false);
    const yml = join(dir, "ember.yml");
    writeFileSync(yml, await member(overlay, "etc/ember/ember.yml"));
    const loaded = loadConfig({ env: { EMBER_SYSTEM_CONFIG: yml }, cwd: dir });
    expect(loaded.issues).toEqual([]);
    expect(loaded.vaultDir).toBe("/media/data/ember/vault");
    expect(loaded.config.llm.model).toBe("/media/data/ember/models");
    expect(loaded.config.runtime.dir).toBe("/media/data/ember/runtime");
  });

  test("apk cache and lbu use the boot partition; repositories name the branch", async () => {
    const list = await entries(overlay);
    expect(list.get("etc/apk/cache")?.link).toBe("/media/mmcblk0p1/cache");
    expect(await member(overlay, "etc/lbu/lbu.conf")).toContain("LBU_MEDIA=mmcblk0p1\n");
    const repos = (await member(overlay, "etc/apk/repositories")).trim().split("\n");
    expect(repos[0]).toBe("/media/mmcblk0p1/apks");
    expect(repos[1]).toBe("https://dl-cdn.alpinelinux.org/alpine/latest-stable/main");
  });

  test("hostname defaults to ember; EMBER_HOSTNAME, ALPINE_BRANCH and SSH keys are honoured", async () => {
    expect(await member(overlay, "etc/hostname")).toBe("ember\n");
    const keys = join(dir, "keys.pub");
    writeFileSync(keys, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIStandIn operator@laptop\n");
    const other = join(dir, "other.apkovl.tar.gz");
    await runOk(["sh", BUILD], {
      OUT: other,
      EMBER_HOSTNAME: "ember-lab",
      ALPINE_BRANCH: "v3.22",
      EMBER_SSH_KEYS: keys,
    });
    expect(await member(other, "etc/hostname")).toBe("ember-lab\n");
    expect(await member(other, "etc/apk/repositories")).toContain("/alpine/v3.22/community");
    expect(await member(other, "home/ember/.ssh/authorized_keys")).toContain("operator@laptop");
    expect((await entries(other)).get("home/ember/.ssh/authorized_keys")).toMatchObject({
      mode: "rw-------",
      owner: "1000/1000",
    });
  });

  test("the same sources and SOURCE_DATE_EPOCH give the same bytes", async () => {
    const again = join(dir, "again.apkovl.tar.gz");
    await runOk(["sh", BUILD], { OUT: again, SOURCE_DATE_EPOCH: "1700000000" });
    expect(Bun.hash(readFileSync(again))).toBe(Bun.hash(readFileSync(overlay)));
  });

  test("a bad option fails clearly and writes nothing", async () => {
    const out = join(dir, "bad.apkovl.tar.gz");
    const result = await run(["sh", BUILD], { OUT: out, EMBER_HOSTNAME: "bad name" });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('EMBER_HOSTNAME="bad name"');
    expect(await Bun.file(out).exists()).toBe(false);
    expect(await Bun.file(`${out}.tmp`).exists()).toBe(false);
  });
});
