import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { loadConfig } from "../../src/config/load.ts";
import { REPO, run, sha256, snapshotTree } from "../alpine/shell.ts";

const SCRIPT = join(REPO, "scripts", "provision.sh");
const cleanup: string[] = [];
const MODEL_BYTES = new TextEncoder().encode(`GGUF stand-in model ${"x".repeat(5000)}`);
let server: Server<undefined>;
let modelHits = 0;
let binary: string;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      if (new URL(req.url).pathname === "/tiny.gguf") {
        modelHits++;
        return new Response(MODEL_BYTES);
      }
      return new Response("not found", { status: 404 });
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "ember-provision-bin-"));
  cleanup.push(dir);
  binary = join(dir, "ember");
  writeFileSync(binary, "#!/bin/sh\necho ember stand-in\n");
});

afterAll(() => {
  server.stop(true);
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const roots: string[] = [];
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder shaped like an Alpine (the overlay's base /etc) or Debian root. */
function makeRoot(distro: "alpine" | "debian"): string {
  const root = mkdtempSync(join(tmpdir(), `ember-provision-${distro}-`));
  roots.push(root);
  if (distro === "alpine") {
    cpSync(join(REPO, "alpine", "overlay", "etc"), join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc", "alpine-release"), "3.22.0\n");
  } else {
    mkdirSync(join(root, "etc"));
    writeFileSync(join(root, "etc", "debian_version"), "12.8\n");
    writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  }
  return root;
}

function provision(root: string, env: Record<string, string> = {}, ...args: string[]) {
  return run(["sh", SCRIPT, "--root", root, ...args], {
    EMBER_BINARY: binary,
    EMBER_ARCH: "aarch64",
    ...env,
  });
}

const modelUrl = () => `http://127.0.0.1:${server.port}/tiny.gguf`;

describe("scripts/provision.sh against a root folder", () => {
  test("an Alpine root gets packages, the ember user, dotfiles, autologin, service, config and binary", async () => {
    const root = makeRoot("alpine");
    const result = await provision(root, { EMBER_HOSTNAME: "node1" });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);

    const world = readFileSync(join(root, "etc/apk/world"), "utf8").trim().split("\n");
    for (const p of ["alpine-base", "tmux", "zsh", "gcompat", "libstdc++", "libgcc", "e2fsprogs", "agetty"])
      expect(world).toContain(p);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toContain(
      "ember:x:1000:1000:Ember:/home/ember:/bin/zsh\n",
    );
    expect(readFileSync(join(root, "etc/shadow"), "utf8")).toMatch(/^ember:\*:/m);
    expect(lstatSync(join(root, "etc/shadow")).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(root, "etc/group"), "utf8")).toMatch(/^ember:x:1000:$/m);

    const inittab = readFileSync(join(root, "etc/inittab"), "utf8");
    expect(inittab.match(/^tty1:.*$/gm)).toEqual([
      "tty1::respawn:/sbin/agetty --autologin ember --noclear 38400 tty1 linux",
    ]);
    expect(inittab).toContain("tty2::respawn:/sbin/getty 38400 tty2");

    expect(lstatSync(join(root, "etc/init.d/ember")).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(root, "etc/runlevels/default/ember"))).toBe("/etc/init.d/ember");
    expect(readlinkSync(join(root, "usr/local/bin/ember"))).toBe("/media/data/ember/bin/ember");
    expect(readFileSync(join(root, "media/data/ember/bin/ember"), "utf8")).toBe(readFileSync(binary, "utf8"));
    expect(lstatSync(join(root, "media/data/ember/bin/ember")).mode & 0o777).toBe(0o755);
    for (const d of ["models", "vault", "runtime"])
      expect(existsSync(join(root, "media/data/ember", d))).toBe(true);
    expect(readFileSync(join(root, "etc/hostname"), "utf8")).toBe("node1\n");

    const zshrc = readFileSync(join(root, "home/ember/.zshrc"), "utf8");
    expect(zshrc).not.toContain("@EMBER_");
    expect(zshrc).toContain("HISTFILE=/media/data/ember/zsh_history");
    expect(readFileSync(join(root, "home/ember/.zprofile"), "utf8")).toContain(". /etc/ember/profile.sh");
    expect(readFileSync(join(root, "etc/ember/profile.sh"), "utf8")).toBe(
      readFileSync(join(REPO, "templates/profile.sh"), "utf8"),
    );

    const loaded = loadConfig({ env: { EMBER_SYSTEM_CONFIG: join(root, "etc/ember/ember.yml") }, cwd: root });
    expect(loaded.issues).toEqual([]);
    expect(loaded.vaultDir).toBe("/media/data/ember/vault");
    expect(loaded.config.llm.model).toBe("/media/data/ember/models");
    expect(loaded.config.runtime.dir).toBe("/media/data/ember/runtime");
    expect(result.stdout).toMatch(/provision: [1-9]\d* changes\n$/);
  });

  test("a second run changes nothing: same tree, 0 changes", async () => {
    const root = makeRoot("alpine");
    expect((await provision(root)).code).toBe(0);
    const first = snapshotTree(root);
    const again = await provision(root);
    expect(again.code).toBe(0);
    expect(again.stdout).toEndWith("provision: 0 changes\n");
    expect(snapshotTree(root)).toEqual(first);
  });

  test("--dry-run prints the plan and changes nothing", async () => {
    const root = makeRoot("alpine");
    const before = snapshotTree(root);
    const plan = await provision(root, {}, "--dry-run");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("would write /etc/inittab");
    expect(plan.stdout).toContain("would write /etc/init.d/ember");
    expect(plan.stdout).toContain("would write /media/data/ember/bin/ember");
    expect(plan.stdout).toMatch(/provision: \d+ changes planned\n$/);
    expect(snapshotTree(root)).toEqual(before);

    expect((await provision(root)).code).toBe(0);
    expect((await provision(root, {}, "--dry-run")).stdout).toEndWith("provision: 0 changes planned\n");
  });

  test("EMBER_MODEL_DIR and EMBER_VAULT_DIR move the folders and the config with them", async () => {
    const root = makeRoot("alpine");
    const result = await provision(root, { EMBER_MODEL_DIR: "/srv/models", EMBER_VAULT_DIR: "/srv/vault" });
    expect(result.code).toBe(0);
    expect(existsSync(join(root, "srv/models"))).toBe(true);
    expect(existsSync(join(root, "srv/vault"))).toBe(true);
    expect(existsSync(join(root, "media/data/ember/vault"))).toBe(false);
    const loaded = loadConfig({ env: { EMBER_SYSTEM_CONFIG: join(root, "etc/ember/ember.yml") }, cwd: root });
    expect(loaded.vaultDir).toBe("/srv/vault");
    expect(loaded.config.llm.model).toBe("/srv/models");
  });

  test("a labelled data partition is left to the boot service: no data folders in the root", async () => {
    const root = makeRoot("alpine");
    const result = await provision(root, { EMBER_DATA_LABEL: "EMBERDATA" });
    expect(result.code).toBe(0);
    expect(existsSync(join(root, "media"))).toBe(false);
    expect(readFileSync(join(root, "etc/conf.d/ember"), "utf8")).toContain("EMBER_DATA_LABEL=EMBERDATA\n");
    expect(result.stdout).toContain("prepared on the LABEL=EMBERDATA partition");
  });

  test("the model is downloaded once and checked; a wrong checksum keeps nothing", async () => {
    const root = makeRoot("alpine");
    const bad = await provision(root, { EMBER_MODEL_URL: modelUrl(), EMBER_MODEL_SHA256: "0".repeat(64) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`checksum mismatch for ${modelUrl()}`);
    expect(readdirSync(join(root, "media/data/ember/models"))).toEqual([]);

    const hitsBefore = modelHits;
    const good = { EMBER_MODEL_URL: modelUrl(), EMBER_MODEL_SHA256: sha256(MODEL_BYTES).toUpperCase() };
    expect((await provision(root, good)).code).toBe(0);
    expect(new Uint8Array(readFileSync(join(root, "media/data/ember/models/tiny.gguf")))).toEqual(
      MODEL_BYTES,
    );
    expect(readdirSync(join(root, "media/data/ember/models"))).toEqual(["tiny.gguf"]);
    const again = await provision(root, good);
    expect(again.stdout).toEndWith("provision: 0 changes\n");
    expect(modelHits).toBe(hitsBefore + 1);
  });

  test("a model URL without a checksum is refused before anything is written", async () => {
    const root = makeRoot("alpine");
    const before = snapshotTree(root);
    const result = await provision(root, { EMBER_MODEL_URL: modelUrl() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("EMBER_MODEL_URL needs EMBER_MODEL_SHA256");
    expect(snapshotTree(root)).toEqual(before);
  });

  test("APK_PRUNE=1 makes the package list the whole world; without it other packages stay", async () => {
    const root = makeRoot("alpine");
    mkdirSync(join(root, "etc/apk"), { recursive: true });
    writeFileSync(join(root, "etc/apk/world"), "vim\nalpine-base\n");
    expect((await provision(root)).code).toBe(0);
    expect(readFileSync(join(root, "etc/apk/world"), "utf8").split("\n")).toContain("vim");
    expect((await provision(root, { APK_PRUNE: "1" })).code).toBe(0);
    const world = readFileSync(join(root, "etc/apk/world"), "utf8").split("\n");
    expect(world).not.toContain("vim");
    expect(world).toContain("tmux");
  });

  test("an edited ember.yml is kept and the new one written beside it", async () => {
    const root = makeRoot("alpine");
    expect((await provision(root)).code).toBe(0);
    const edited = "vault:\n  path: /home/ember/my-vault\n";
    writeFileSync(join(root, "etc/ember/ember.yml"), edited);
    const result = await provision(root);
    expect(result.code).toBe(0);
    expect(readFileSync(join(root, "etc/ember/ember.yml"), "utf8")).toBe(edited);
    expect(readFileSync(join(root, "etc/ember/ember.yml.new"), "utf8")).toContain(
      "path: /media/data/ember/vault",
    );
    expect(result.stdout).toContain("kept /etc/ember/ember.yml");
  });

  test("a Debian root gets a systemd autologin drop-in and its packages listed, not installed", async () => {
    const root = makeRoot("debian");
    const result = await provision(root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("packages not installed under a root prefix (Debian)");
    const dropIn = readFileSync(join(root, "etc/systemd/system/getty@tty1.service.d/autologin.conf"), "utf8");
    expect(dropIn).toContain("ExecStart=-/sbin/agetty --autologin ember --noclear %I $TERM");
    expect(existsSync(join(root, "etc/apk"))).toBe(false);
    expect(existsSync(join(root, "etc/init.d/ember"))).toBe(false);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toContain(
      "ember:x:1000:1000:Ember:/home/ember:/bin/zsh",
    );
    expect((await provision(root)).stdout).toEndWith("provision: 0 changes\n");
  });

  test("--dry-run without a built binary plans the rest and warns (exit 0); a real run stops", async () => {
    const root = makeRoot("alpine");
    const missing = join(root, "no-build");
    const plan = await provision(root, { EMBER_BINARY: missing }, "--dry-run");
    expect(plan.code).toBe(0);
    expect(plan.stderr).toBe(
      `provision: warning: no ember binary at ${missing} (run make build / make build-arm64, or set EMBER_BINARY); a real run stops here\n`,
    );
    expect(plan.stdout).toEndWith("changes planned\n");
    expect((await provision(root, { EMBER_BINARY: missing })).code).toBe(1);
  });

  test("--root of an empty folder, without EMBER_DISTRO, prepares an Alpine root", async () => {
    const root = mkdtempSync(join(tmpdir(), "ember-provision-empty-"));
    roots.push(root);
    const result = await provision(root);
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith(`provision: alpine (aarch64) at ${root}\n`);
    expect(result.stderr).toContain(
      "has no etc/alpine-release or etc/debian_version: preparing it for alpine",
    );
    expect(readFileSync(join(root, "etc", "apk", "world"), "utf8")).toContain("tmux");
  });

  test("bad settings are refused with the variable's name", async () => {
    const root = makeRoot("alpine");
    const relative = await provision(root, { EMBER_VAULT_DIR: "vault" });
    expect(relative.code).toBe(1);
    expect(relative.stderr).toContain('EMBER_VAULT_DIR="vault" must be an absolute path');
    const spaces = await provision(root, { EMBER_DATA_DIR: "/media/my data" });
    expect(spaces.stderr).toContain('EMBER_DATA_DIR="/media/my data"');
    const missingBinary = await provision(root, { EMBER_BINARY: join(root, "nope") });
    expect(missingBinary.code).toBe(1);
    expect(missingBinary.stderr).toContain("no ember binary at");
    const unknown = await run(["sh", SCRIPT, "--frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown argument: --frobnicate");
  });
});
