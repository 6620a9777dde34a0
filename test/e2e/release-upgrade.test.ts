/**
 * The release path a maintainer and a node walk, with the real compiled binaries: build 0.9.0 and
 * 0.9.1 (scripts/build.ts --version, as `make release` does), make a key with the binary's own
 * `ember release keygen`, publish 0.9.1 with scripts/release.ts, serve the channel folder on
 * 127.0.0.1, and let the installed 0.9.0 upgrade itself: a transfer cut mid-way leaves 0.9.0 in
 * place and is resumed, the new binary self-tests, 0.9.0 is kept as ember.prev, and --rollback
 * brings it back.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HEALTH_EXIT } from "../../src/cli/status.ts";
import type { Health } from "../../src/status/report.ts";
import { ChannelServer } from "../update/fixtures/server.ts";

const ROOT = resolve(import.meta.dir, "../..");
const scratch = mkdtempSync(join(tmpdir(), "ember-release-e2e-"));
const installDir = join(scratch, "node", "bin");
const installed = join(installDir, "ember");
let server: ChannelServer;
let channelUrl: string;
let publicKey: string;

const env: Record<string, string> = {
  PATH: "/usr/bin:/bin",
  HOME: join(scratch, "node", "home"),
  VAULT_DIR: join(scratch, "node", "vault"),
  EMBER_RUNTIME_DIR: join(scratch, "node", "runtime"),
  LLAMA_CPP_THREADS: "1",
};

/** Async, never spawnSync: the channel server answers from this process's event loop. */
async function run(command: string, args: string[], cwd = scratch, extraEnv: Record<string, string> = env) {
  const child = Bun.spawn([command, ...args], {
    cwd,
    env: extraEnv,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

async function build(version: string): Promise<string> {
  const outdir = join(scratch, `dist-${version}`);
  const result = await run(
    process.execPath,
    ["scripts/build.ts", "--target", "linux-x64", "--version", version, "--outdir", outdir],
    ROOT,
    process.env as Record<string, string>,
  );
  if (result.code !== 0) throw new Error(`build ${version} failed: ${result.err}`);
  return outdir;
}

/** `ember ARGS` as the node runs it: the installed binary, its own vault trusting the release key. */
function ember(...args: string[]) {
  return run(installed, args, join(scratch, "node"));
}

beforeAll(async () => {
  const old = await build("0.9.0");
  const next = await build("0.9.1");
  mkdirSync(installDir, { recursive: true });
  mkdirSync(env.HOME ?? "", { recursive: true });
  copyFileSync(join(old, "ember"), installed);

  const keygen = await run(installed, ["release", "keygen", join(scratch, "release")]);
  if (keygen.code !== 0) throw new Error(`keygen failed: ${keygen.err}`);
  publicKey = readFileSync(join(scratch, "release.pub"), "utf8").trim();
  const published = await run(
    process.execPath,
    [
      "scripts/release.ts",
      "--version",
      "0.9.1",
      "--key",
      join(scratch, "release.key"),
      "--dist",
      next,
      "--out",
      join(scratch, "release"),
    ],
    ROOT,
    process.env as Record<string, string>,
  );
  if (published.code !== 0) throw new Error(`release failed: ${published.err}`);

  // The node trusts the key through its vault's config, as a private fleet would.
  mkdirSync(join(env.VAULT_DIR ?? "", "config"), { recursive: true });
  await Bun.write(
    join(env.VAULT_DIR ?? "", "config", "update.yml"),
    `update:\n  publicKeys:\n    - ${publicKey}\n`,
  );
  server = new ChannelServer();
  const channelDir = join(scratch, "release", "stable");
  for (const name of readdirSync(channelDir)) {
    server.files.set(`/stable/${name}`, readFileSync(join(channelDir, name)));
  }
  channelUrl = `${server.url}/stable/`;
}, 240_000);

afterAll(() => {
  server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test("the published channel holds the 0.9.1 build, and the node starts on 0.9.0", async () => {
  const manifest = JSON.parse(readFileSync(join(scratch, "release", "stable", "manifest.json"), "utf8"));
  expect(manifest.version).toBe("0.9.1");
  expect(Object.keys(manifest.artifacts)).toEqual(["linux-x64"]);
  expect((await ember("--version")).out.trim()).toBe("0.9.0");
});

test("--check shows both versions and changes nothing", async () => {
  const check = await ember("upgrade", "--check", "--channel", channelUrl);
  expect(check.err).toBe("");
  expect(check.out).toContain("installed: ember 0.9.0   channel stable: ember 0.9.1");
  expect(check.code).toBe(0);
  expect(existsSync(`${installed}.prev`)).toBe(false);
});

test("a transfer cut mid-way leaves 0.9.0 in place; the next run resumes it and installs 0.9.1", async () => {
  const artifact = "/stable/ember-0.9.1-linux-x64";
  server.behaviour.set(artifact, "close-mid");
  const cut = await ember("upgrade", "--yes", "--channel", channelUrl);
  expect(cut.code).not.toBe(0);
  expect(cut.err.trim().split("\n")).toHaveLength(1);
  expect((await ember("--version")).out.trim()).toBe("0.9.0");

  server.behaviour.delete(artifact);
  const sentBefore = server.bytesSent(artifact);
  const upgraded = await ember("upgrade", "--yes", "--channel", channelUrl);
  expect(upgraded.err).toBe("");
  expect(upgraded.code).toBe(0);
  const size = readFileSync(join(scratch, "release", "stable", "ember-0.9.1-linux-x64")).length;
  // The resumed request asked for the rest only.
  expect(server.requests.filter((r) => r.path === artifact).at(-1)?.range).toMatch(/^bytes=\d+-$/);
  expect(server.bytesSent(artifact) - sentBefore).toBeLessThan(size);

  expect((await ember("--version")).out.trim()).toBe("0.9.1");
  expect((await run(`${installed}.prev`, ["--version"])).out.trim()).toBe("0.9.0");
  // The new binary starts cleanly: its first start clears the start marker, nothing rolls back.
  const status = await ember("status", "--json");
  expect(status.code).toBe(HEALTH_EXIT[JSON.parse(status.out).health as Health]);
  expect((await ember("--version")).out.trim()).toBe("0.9.1");
});

test("the same version again is up to date (nothing fetched), and --rollback restores 0.9.0", async () => {
  const requests = server.requests.length;
  const again = await ember("upgrade", "--yes", "--channel", channelUrl);
  expect(again.out).toContain("ember is up to date");
  expect(again.code).toBe(0);
  expect(server.requests.slice(requests).map((r) => r.path)).toEqual([
    "/stable/manifest.json",
    "/stable/manifest.json.sig",
  ]);

  const rolledBack = await ember("upgrade", "--rollback", "--yes");
  expect(rolledBack.err).toBe("");
  expect(rolledBack.code).toBe(0);
  expect((await ember("--version")).out.trim()).toBe("0.9.0");
  expect((await run(`${installed}.prev`, ["--version"])).out.trim()).toBe("0.9.1");
  expect((await ember("upgrade", "--check", "--channel", channelUrl)).out).toContain(
    "ember 0.9.1 is available for linux-x64",
  );
});
