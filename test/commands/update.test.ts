import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { runLine, tempApp } from "../helpers/app.ts";
import { fakeBinary } from "../update/fixtures/binaries.ts";
import { publish, testKey } from "../update/fixtures/channel.ts";
import { ChannelServer } from "../update/fixtures/server.ts";

let app: App;
let vault: string;
let cleanup: () => void;
let server: ChannelServer;
let installPath: string;

beforeAll(async () => {
  const key = testKey();
  server = new ChannelServer();
  const { channelUrl } = publish(server, { version: "9.0.0", binary: fakeBinary("9.0.0"), key });
  ({ app, vault, cleanup } = await tempApp());
  installPath = join(vault, "bin", "ember");
  mkdirSync(join(vault, "bin"));
  writeFileSync(installPath, fakeBinary("0.1.0"));
  chmodSync(installPath, 0o755);
  (app.env as Record<string, string>).EMBER_INSTALL_PATH = installPath;
  await runLine(app, `/config set update.channel ${channelUrl}`);
  await runLine(app, `/config set update.publicKeys [${key.publicKeyBase64}]`);
});
afterAll(() => {
  server.stop();
  cleanup();
});

describe("/update", () => {
  test("without yes it only reports what is available", async () => {
    const { result, output } = await runLine(app, "/update");
    expect(result.ok).toBe(true);
    expect(output).toContain("9.0.0");
    expect(output).toContain("/update yes");
    expect(readFileSync(installPath, "utf8")).toContain("ember 0.1.0");
  });

  test("the planner may never run it", async () => {
    const { result } = await runLine(app, "/update yes", "planner");
    expect(result.refused).toContain("not allowed for the planner");
    expect(readFileSync(installPath, "utf8")).toContain("ember 0.1.0");
  });

  test("/update yes installs the signed build and keeps the previous one", async () => {
    const { result, output } = await runLine(app, "/update yes");
    expect(result.ok).toBe(true);
    expect(output).toContain("9.0.0");
    expect(readFileSync(installPath, "utf8")).toContain("ember 9.0.0");
    expect(readFileSync(`${installPath}.prev`, "utf8")).toContain("ember 0.1.0");
  });
});
