import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { emberEnv, MAIN, runEmber, tempVault } from "../helpers/ember-cli.ts";

const vault = tempVault();
afterAll(() => rmSync(vault, { recursive: true, force: true }));
const log = join(vault, "logs", "ember.log");
mkdirSync(join(vault, "logs"));
const record = (time: string, level: string, msg: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ time: `2026-11-30T${time}.000Z`, level, msg, ...extra })}\n`;
writeFileSync(
  log,
  record("10:00:00", "info", "start", { version: "0.1.0", pid: 42 }) +
    record("10:00:01", "warn", "index update failed", { error: "disk full" }) +
    record("10:00:02", "debug", "command", { command: "status", ok: true }) +
    record("10:00:03", "error", "plugin said \x1b[2Jhello", { plugin: "evil" }) +
    '{"time":"2026-11-30T10:00:04.000Z","level":"info","msg":"cut sh\n',
);

describe("ember logs", () => {
  test("readable lines by default: time, level, message, then the fields; untrusted text made safe", async () => {
    const { code, stdout, stderr } = await runEmber(["logs"], { vault });
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      "2026-11-30 10:00:00  info   start  version=0.1.0 pid=42",
      '2026-11-30 10:00:01  warn   index update failed  error="disk full"',
      "2026-11-30 10:00:02  debug  command  command=status ok=true",
      "2026-11-30 10:00:03  error  plugin said ␛[2Jhello  plugin=evil",
      "",
    ]);
    // The line cut short is skipped, and counted.
    expect(stderr).toBe("ember logs: skipped 1 damaged line(s)\n");
  });

  test("-n N keeps the last N, --level keeps that level and worse, --json prints the records as stored", async () => {
    const lastTwo = await runEmber(["logs", "-n", "2"], { vault });
    expect(lastTwo.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(lastTwo.stdout).toStartWith("2026-11-30 10:00:02  debug");
    const warn = await runEmber(["logs", "--level", "warn", "--json"], { vault });
    expect(
      warn.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line).msg),
    ).toEqual(["index update failed", "plugin said \x1b[2Jhello"]);
    // -n counts what --level kept (debug and the cut line are not); lines byte for byte as stored.
    const kept = await runEmber(["logs", "--json", "--level", "info", "-n", "3"], { vault });
    expect(kept.stdout).toBe(
      record("10:00:00", "info", "start", { version: "0.1.0", pid: 42 }) +
        record("10:00:01", "warn", "index update failed", { error: "disk full" }) +
        record("10:00:03", "error", "plugin said \x1b[2Jhello", { plugin: "evil" }),
    );
  });

  test("bad -n or --level is a usage error", async () => {
    const n = await runEmber(["logs", "-n", "many"], { vault });
    expect(n.code).toBe(2);
    expect(n.stderr.split("\n")[0]).toBe("ember logs: -n many: expected a whole number of records");
    const level = await runEmber(["logs", "--level", "loud"], { vault });
    expect(level.code).toBe(2);
    expect(level.stderr.split("\n")[0]).toStartWith(
      "ember logs: --level loud: expected one of silent, error,",
    );
  });

  test("-f prints the last records, then new ones as they are written, until Ctrl-C", async () => {
    const proc = Bun.spawn([process.execPath, MAIN, "logs", "-f", "-n", "2"], {
      cwd: vault,
      env: emberEnv(vault),
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    let seen = "";
    const waitFor = async (text: string) => {
      while (!seen.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`ended before "${text}": ${seen}`);
        seen += new TextDecoder().decode(value);
      }
    };
    await waitFor("plugin said");
    appendFileSync(log, `${record("10:00:05", "info", "followed line")}`);
    await waitFor("followed line");
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    expect(seen).not.toContain("index update failed");
  }, 30_000);
});
