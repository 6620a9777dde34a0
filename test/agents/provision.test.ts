import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspectVault } from "../../src/agents/core.ts";
import {
  PROVISION_STATE_FILE,
  provisionAgent,
  provisionVault,
  VAULT_FOLDERS,
  VaultNotWritableError,
} from "../../src/agents/provision.ts";
import { runBootAgents } from "../../src/agents/runner.ts";
import { memoryLog, tempDir, testConfig, testContext } from "./context.ts";

const root = tempDir("ember-provision-");
let n = 0;
const freshPath = () => join(root.dir, `vault-${++n}`);

describe("provisionVault", () => {
  test("creates the vault and every layout folder, and records what it made", () => {
    const vault = freshPath();
    const report = provisionVault(vault, new Date("2030-01-02T03:04:05Z"));
    expect(report.created).toEqual([".", ...VAULT_FOLDERS]);
    for (const folder of VAULT_FOLDERS) expect(statSync(join(vault, folder)).isDirectory()).toBe(true);
    const record = JSON.parse(readFileSync(join(vault, PROVISION_STATE_FILE), "utf8"));
    expect(record).toMatchObject({
      version: 1,
      vault,
      at: "2030-01-02T03:04:05.000Z",
      firstAt: "2030-01-02T03:04:05.000Z",
      created: [".", ...VAULT_FOLDERS],
    });
    // Written through a temp file that is renamed away: nothing else is left in state/.
    expect(readdirSync(join(vault, "state"))).toEqual(["provision.json"]);
  });

  test("a second run creates nothing and keeps the first provisioning time", () => {
    const vault = freshPath();
    provisionVault(vault, new Date("2030-01-01T00:00:00Z"));
    const again = provisionVault(vault, new Date("2030-06-01T00:00:00Z"));
    expect(again.created).toEqual([]);
    expect(again.firstAt).toBe("2030-01-01T00:00:00.000Z");
    expect(again.at).toBe("2030-06-01T00:00:00.000Z");
  });

  test("an oversized state record is not parsed: the run starts a new one", () => {
    const vault = freshPath();
    provisionVault(vault, new Date("2030-01-01T00:00:00Z"));
    const record = `{"firstAt":"2029-01-01T00:00:00.000Z","pad":"${"x".repeat(100 * 1024)}"}`;
    writeFileSync(join(vault, PROVISION_STATE_FILE), record);
    expect(provisionVault(vault, new Date("2030-06-01T00:00:00Z")).firstAt).toBe("2030-06-01T00:00:00.000Z");
  });

  test("never modifies existing files, and leaves a file where a folder belongs as it is", () => {
    const vault = freshPath();
    mkdirSync(join(vault, "docs"), { recursive: true });
    writeFileSync(join(vault, "docs", "note.md"), "# mine\n");
    writeFileSync(join(vault, "models"), "not a folder");
    const report = provisionVault(vault);
    expect(report.created).toEqual(VAULT_FOLDERS.filter((f) => f !== "docs" && f !== "models"));
    expect(report.conflicts).toEqual(["models"]);
    expect(readFileSync(join(vault, "docs", "note.md"), "utf8")).toBe("# mine\n");
    expect(readFileSync(join(vault, "models"), "utf8")).toBe("not a folder");
  });

  test("a vault path under a regular file is not writable, with the reason", () => {
    const file = join(root.dir, "a-file");
    writeFileSync(file, "x");
    const vault = join(file, "vault");
    expect(() => provisionVault(vault)).toThrow(VaultNotWritableError);
    expect(() => provisionVault(vault)).toThrow(
      `vault ${vault} is not writable: a part of the path is a file`,
    );
  });
});

describe("provision agent", () => {
  test("ok on a fresh vault, naming what it created", async () => {
    const vault = freshPath();
    const outcome = await provisionAgent.run(testContext(vault));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toBe(`vault ${vault} ready (created ., ${VAULT_FOLDERS.join(", ")})`);
    expect(outcome.details).toMatchObject({ vault, writable: true, conflicts: [] });
  });

  test("degraded when a layout entry is a file", async () => {
    const vault = freshPath();
    mkdirSync(vault);
    writeFileSync(join(vault, "logs"), "");
    const outcome = await provisionAgent.run(testContext(vault));
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toContain("logs exist but are not folders");
  });

  test("runs even while the config is invalid", () => {
    expect(provisionAgent.requiresReady).toBe(false);
  });

  test("an unwritable vault fails provision and degrades core; the run itself completes", async () => {
    const file = join(root.dir, "blocker");
    writeFileSync(file, "x");
    const vault = join(file, "vault");
    const results = await runBootAgents({
      config: testConfig(vault, (c) => {
        c.agents.enabled = ["provision", "core"];
      }),
      configValid: true,
      configIssues: [],
      vaultDir: vault,
      log: memoryLog().log,
    });
    expect(results.get("provision")?.status).toBe("failed");
    expect(results.get("provision")?.summary).toStartWith(`vault ${vault} is not writable: `);
    expect(results.get("provision")?.details).toMatchObject({ writable: false });
    expect(results.get("core")?.status).toBe("degraded");
  });
});

// A read-only mount shows what chmod cannot when tests run as root. Needs mount(8) and the right
// to use it: mounted writable, provisioned, then remounted read-only.
const readOnly = join(root.dir, "ro");
mkdirSync(readOnly);
const provisioned = join(readOnly, "provisioned");
const mounted =
  spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", readOnly]).status === 0 &&
  provisionVault(provisioned) !== undefined &&
  spawnSync("mount", ["-o", "remount,ro", readOnly]).status === 0;
afterAll(() => {
  spawnSync("umount", [readOnly]);
  root.cleanup();
});

describe.skipIf(!mounted)("on a read-only filesystem", () => {
  test("provisioning a new vault fails with the read-only reason", async () => {
    const vault = join(readOnly, "vault");
    const outcome = await provisionAgent.run(testContext(vault));
    expect(outcome.status).toBe("failed");
    expect(outcome.summary).toBe(
      `vault ${vault} is not writable: the filesystem is read-only (EROFS at ${vault})`,
    );
  });

  test("an existing vault that became read-only fails too: its state record cannot be written", async () => {
    const outcome = await provisionAgent.run(testContext(provisioned));
    expect(outcome.status).toBe("failed");
    expect(outcome.summary).toStartWith(`vault ${provisioned} is not writable: the filesystem is read-only`);
    expect(readdirSync(join(provisioned, "state"))).toEqual(["provision.json"]);
    // access(2) sees the read-only mount even as root, so core reports it too.
    expect(inspectVault(provisioned)).toMatchObject({ exists: true, writable: false });
  });
});
