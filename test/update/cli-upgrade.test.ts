import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { collectOutput } from "../helpers/subprocess.ts";
import { fakeBinary, runInstalled } from "./fixtures/binaries.ts";
import { publish, testKey } from "./fixtures/channel.ts";
import { BUN, cliEnv, removeCliEnvs } from "./fixtures/cli-env.ts";
import { type InstallDir, installDir } from "./fixtures/install-dir.ts";
import { ChannelServer } from "./fixtures/server.ts";

const key = testKey();
const cli = join(import.meta.dir, "fixtures/upgrade-cli.ts");
let server: ChannelServer;
let install: InstallDir;

beforeEach(() => {
  server = new ChannelServer();
  install = installDir("0.1.0");
});
afterEach(() => {
  server.stop();
  install.remove();
});
afterAll(removeCliEnvs);

/** Runs `ember upgrade ARGS` in a subprocess (async: the channel server lives in this process). */
async function upgrade(env: Record<string, string>, ...args: string[]) {
  const child = Bun.spawn([BUN, cli, "--install-path", install.path, ...args], {
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const { stdout: out, stderr: err, code } = await collectOutput(child);
  return { out, err, code };
}

describe("ember upgrade", () => {
  test("--check with the channel from the config shows both versions and changes nothing", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const run = await upgrade(cliEnv(key.publicKeyBase64, channelUrl), "--check");
    expect(run.err).toBe("");
    expect(run.out).toContain("installed: ember 0.1.0   channel stable: ember 0.2.0");
    expect(run.out).toContain("ember 0.2.0 is available for linux-");
    expect(run.code).toBe(0);
    expect(runInstalled(install.path)).toBe("ember 0.1.0");
  });

  test("--check --json prints the versions and where they came from; --json alone is a usage error", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const run = await upgrade(cliEnv(key.publicKeyBase64, channelUrl), "--check", "--json");
    expect(run.err).toBe("");
    expect(JSON.parse(run.out)).toMatchObject({
      installed: "0.1.0",
      available: "0.2.0",
      newer: true,
      channel: "stable",
      target: expect.stringMatching(/^linux-/),
    });
    expect(run.code).toBe(0);
    const alone = await upgrade(cliEnv(key.publicKeyBase64, channelUrl), "--json");
    expect(alone.err.split("\n")[0]).toBe("upgrade: --json goes with --check");
    expect(alone.code).toBe(2);
  });

  test("without --yes and without a terminal to ask on, it refuses clearly", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const run = await upgrade(cliEnv(key.publicKeyBase64), "--channel", channelUrl);
    expect(run.err).toBe(
      "ember upgrade: standard input is not a terminal: pass --yes to install without asking\n",
    );
    expect(run.code).toBe(1);
  });

  test("upgrade, then --rollback puts the previous binary back (and keeps the newer one as ember.prev)", async () => {
    const { channelUrl } = publish(server, { version: "0.2.0", binary: fakeBinary("0.2.0"), key });
    const env = cliEnv(key.publicKeyBase64, channelUrl);
    const installed = await upgrade(env, "--yes");
    expect(installed.out).toContain(`installed ember 0.2.0 at ${install.path}`);
    expect(installed.code).toBe(0);
    const back = await upgrade(env, "--rollback");
    expect(back.out).toBe(
      `restored ember 0.1.0 at ${install.path}; ember 0.2.0 is kept as ${install.path}.prev\n`,
    );
    expect(runInstalled(install.path)).toBe("ember 0.1.0");
    expect(runInstalled(`${install.path}.prev`)).toBe("ember 0.2.0");
  });

  test("--rollback with nothing kept says so", async () => {
    const run = await upgrade(cliEnv(key.publicKeyBase64), "--rollback");
    expect(run.err).toContain("ember upgrade: no previous ember is kept");
    expect(run.code).toBe(1);
  });

  test("no channel configured or given is a clear error", async () => {
    const run = await upgrade(cliEnv(key.publicKeyBase64), "--check");
    expect(run.err).toBe(
      "ember upgrade: no update channel: set update.channel in the config or pass --channel URL\n",
    );
  });
});
