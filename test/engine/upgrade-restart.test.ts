import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isAlive } from "../../src/os/process-alive.ts";
import { MAIN } from "../helpers/ember-cli.ts";
import { eventually, serveEngine } from "../helpers/engine.ts";
import { collectOutput } from "../helpers/subprocess.ts";
import { fakeBinary, writeFakeBinary } from "../update/fixtures/binaries.ts";
import { publish, testKey } from "../update/fixtures/channel.ts";
import { BUN, cliEnv, removeCliEnvs } from "../update/fixtures/cli-env.ts";
import { installDir } from "../update/fixtures/install-dir.ts";
import { ChannelServer } from "../update/fixtures/server.ts";

const key = testKey();
const server = new ChannelServer();
const install = installDir("0.1.0");
// Both stand-ins can serve: each runs the real engine from source, marked with its version.
writeFakeBinary(install.path, "0.1.0", { serve: [BUN, MAIN] });
afterAll(() => {
  server.stop();
  install.remove();
  removeCliEnvs();
});

describe("ember upgrade and the engine", () => {
  test("after the swap the running engine stops and comes back on the new binary; --rollback does the same", async () => {
    const { channelUrl } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { serve: [BUN, MAIN] }),
      key,
    });
    const env = cliEnv(key.publicKeyBase64, channelUrl);
    const vault = env.VAULT_DIR!;
    mkdirSync(vault, { recursive: true });
    const engine = await serveEngine(vault, { EMBER_SYSTEM_CONFIG: env.EMBER_SYSTEM_CONFIG! });
    const before = (await engine.client.status()).pid;
    const upgrade = async (...args: string[]) =>
      collectOutput(
        Bun.spawn(
          [
            BUN,
            join(import.meta.dir, "../update/fixtures/upgrade-cli.ts"),
            "--install-path",
            install.path,
            ...args,
          ],
          {
            env: engine.env({ EMBER_SYSTEM_CONFIG: env.EMBER_SYSTEM_CONFIG! }),
            stdout: "pipe",
            stderr: "pipe",
          },
        ),
      );
    const run = await upgrade("--yes");
    expect(run.stderr).toBe("");
    const pid = Number(/restarted the engine on the new binary \(pid (\d+)\)/.exec(run.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(before);
    expect(isAlive(before)).toBe(false);
    expect((await engine.client.status()).pid).toBe(pid);
    expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain("EMBER_TEST_BINARY=0.2.0");

    // A rollback brings the engine back on the restored binary.
    const back = await upgrade("--rollback");
    expect(back.stderr).toBe("");
    const restored = Number(/restarted the engine on the new binary \(pid (\d+)\)/.exec(back.stdout)?.[1]);
    expect(isAlive(pid)).toBe(false);
    expect(readFileSync(`/proc/${restored}/environ`, "utf8").split("\0")).toContain(
      "EMBER_TEST_BINARY=0.1.0",
    );
    await engine.client.post("/v1/shutdown");
    await eventually("the engine to stop", () => !isAlive(restored) || undefined);
    rmSync(engine.tmp, { recursive: true, force: true });
  }, 90_000);
});
