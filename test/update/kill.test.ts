import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installLayout, swapSteps } from "../../src/update/install.ts";
import { runUpgrade } from "../../src/update/upgrade.ts";
import { collectOutput } from "../helpers/subprocess.ts";
import { fakeBinary, runInstalled } from "./fixtures/binaries.ts";
import { publish, testKey } from "./fixtures/channel.ts";
import { BUN, cliEnv, removeCliEnvs } from "./fixtures/cli-env.ts";
import { type InstallDir, installDir } from "./fixtures/install-dir.ts";
import { ChannelServer } from "./fixtures/server.ts";

const key = testKey();
const fixtures = join(import.meta.dir, "fixtures");
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

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await Bun.sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("kill -9", () => {
  test("during the download: the old binary runs, and the next upgrade resumes with a Range request", async () => {
    const size = 400_000;
    const { channelUrl, artifactPath } = publish(server, {
      version: "0.2.0",
      binary: fakeBinary("0.2.0", { size }),
      key,
    });
    server.behaviour.set(artifactPath, "stall");
    const env = cliEnv(key.publicKeyBase64);
    const args = [
      BUN,
      join(fixtures, "upgrade-cli.ts"),
      "--channel",
      channelUrl,
      "--yes",
      "--install-path",
      install.path,
    ];
    const child = Bun.spawn(args, { env, stdout: "pipe", stderr: "pipe" });
    const partial = join(install.dir, ".ember.download");
    await waitFor(
      () => existsSync(partial) && statSync(partial).size === size / 2,
      "half the download on disk",
    );
    child.kill("SIGKILL");
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe("SIGKILL");
    expect(runInstalled(install.path)).toBe("ember 0.1.0");

    server.behaviour.delete(artifactPath);
    // Async: the channel server runs in this process and must keep answering.
    const { stdout, stderr, code } = await collectOutput(
      Bun.spawn(args, { env, stdout: "pipe", stderr: "pipe" }),
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`resumed an earlier download at byte ${size / 2}`);
    const artifactRequests = server.requests.filter((r) => r.path === artifactPath);
    expect(artifactRequests.map((r) => r.range)).toEqual([null, `bytes=${size / 2}-`]);
    expect(server.bytesSent(artifactPath)).toBe(size);
    expect(runInstalled(install.path)).toBe("ember 0.2.0");
    expect(runInstalled(join(install.dir, "ember.prev"))).toBe("ember 0.1.0");
  });

  const stepCount = swapSteps({
    layout: installLayout("/x/ember"),
    stagedPath: "/x/.ember.download",
    version: "0.2.0",
    previousVersion: "0.1.0",
  }).length;

  for (let done = 0; done <= stepCount; done++) {
    test(`during the swap, after ${done} of ${stepCount} steps: a complete binary is installed and the next upgrade works`, async () => {
      const staged = join(install.dir, ".ember.download");
      writeFileSync(staged, fakeBinary("0.2.0"), { mode: 0o755 });
      const args = [
        BUN,
        join(fixtures, "swap-and-die.ts"),
        install.path,
        staged,
        "0.2.0",
        "0.1.0",
        String(done),
      ];
      const child = Bun.spawnSync(args);
      expect(child.signalCode).toBe("SIGKILL");
      const swapped = done >= 3;
      expect(runInstalled(install.path)).toBe(swapped ? "ember 0.2.0" : "ember 0.1.0");
      const prev = join(install.dir, "ember.prev");
      if (existsSync(prev)) expect(runInstalled(prev)).toBe("ember 0.1.0");

      const { channelUrl } = publish(server, { version: "0.3.0", binary: fakeBinary("0.3.0"), key });
      const current = swapped ? "0.2.0" : "0.1.0";
      const outcome = await runUpgrade({
        channel: channelUrl,
        publicKeys: [key.publicKeyBase64],
        installPath: install.path,
        currentVersion: current,
        say: () => undefined,
      });
      expect(outcome.kind).toBe("installed");
      expect(runInstalled(install.path)).toBe("ember 0.3.0");
      expect(runInstalled(prev)).toBe(`ember ${current}`);
    });
  }
});
