import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  invokePlugin,
  PLUGIN_PROTOCOL_VERSION,
  type PluginRequest,
  parseAnswer,
} from "../../src/plugins/invoke.ts";
import { tempDir } from "../agents/context.ts";
import { ECHO_SCRIPT, PWD_SCRIPT, writePlugin } from "./fixtures.ts";

const root = tempDir("ember-invoke-");
afterAll(root.cleanup);

const request: PluginRequest = {
  command: "echo",
  args: ["hello", 'quoted "word"', "back\\slash"],
  source: "planner",
  vaultDir: "/srv/vault",
  version: PLUGIN_PROTOCOL_VERSION,
};

function script(name: string, body: string): { exec: string; cwd: string } {
  const cwd = writePlugin(root.dir, name, "", { run: body });
  return { exec: join(cwd, "run"), cwd };
}

const run = (
  where: { exec: string; cwd: string },
  extra: { timeoutMs?: number; signal?: AbortSignal; maxAnswerBytes?: number } = {},
) =>
  invokePlugin({
    ...where,
    request,
    timeoutMs: extra.timeoutMs ?? 10_000,
    signal: extra.signal,
    maxAnswerBytes: extra.maxAnswerBytes,
  });

describe("invokePlugin", () => {
  test("sends the JSON request on stdin and reads the JSON answer from stdout", async () => {
    const answer = await run(script("echo", ECHO_SCRIPT));
    expect(answer.ok).toBe(true);
    expect(JSON.parse(answer.output)).toEqual({ ...request });
  });

  test("runs in the plugin's folder", async () => {
    const where = script("pwd", PWD_SCRIPT);
    expect(await run(where)).toEqual({ ok: true, output: where.cwd });
  });

  test("a plugin's own failure comes through with its reason", async () => {
    const answer = await run(
      script("refuse", `#!/bin/sh\necho '{"ok":false,"output":"","error":"city not known"}'\n`),
    );
    expect(answer).toEqual({ ok: false, output: "", error: "city not known" });
  });

  test("a plugin that ignores its request may still answer", async () => {
    const answer = await run(script("deaf", `#!/bin/sh\nexec 0<&-\necho '{"ok":true,"output":"hi"}'\n`));
    expect(answer).toEqual({ ok: true, output: "hi" });
  });

  test("a plugin that hangs is killed at the timeout, with everything it started", async () => {
    const where = script("hang", `#!/bin/sh\nsleep 30 &\necho $! > child.pid\nwait\n`);
    const answer = await run(where, { timeoutMs: 300 });
    expect(answer).toEqual({ ok: false, output: "", error: "timed out after 300 ms (killed)" });
    const pidFile = join(where.cwd, "child.pid");
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
    const pid = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !isRunning(pid));
    expect(isRunning(pid)).toBe(false);
  });

  test("a crash is its exit code and the last thing it said on stderr", async () => {
    const answer = await run(
      script("crash", `#!/bin/sh\necho "warming up" >&2\necho "boom: disk gone" >&2\nexit 3\n`),
    );
    expect(answer).toEqual({ ok: false, output: "", error: "exited with code 3: boom: disk gone" });
  });

  test("a plugin killed by a signal says which", async () => {
    const answer = await run(script("suicide", `#!/bin/sh\nkill -9 $$\n`));
    expect(answer.error).toBe("was killed by SIGKILL");
  });

  test("garbage on stdout is not an answer", async () => {
    const answer = await run(
      script("garbage", `#!/bin/sh\necho "Segmentation fault (core dumped) <<<>>>"\n`),
    );
    expect(answer).toEqual({
      ok: false,
      output: "",
      error: "answered something that is not JSON: Segmentation fault (core dumped) <<<>>>",
    });
  });

  test("an answer larger than the cap is cut off and the plugin killed", async () => {
    const answer = await run(script("flood", `#!/bin/sh\nwhile :; do echo 0123456789abcdef; done\n`), {
      maxAnswerBytes: 4096,
    });
    expect(answer).toEqual({ ok: false, output: "", error: "answered more than 4096 bytes (killed)" });
  });

  test("a missing executable cannot start", async () => {
    const exec = join(root.dir, "nowhere", "run");
    const answer = await invokePlugin({ exec, cwd: root.dir, request, timeoutMs: 5000 });
    expect(answer).toEqual({ ok: false, output: "", error: `cannot start ${exec}: not found` });
  });

  test("a file without execute permission cannot start", async () => {
    const exec = join(root.dir, "plain.sh");
    writeFileSync(exec, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const answer = await invokePlugin({ exec, cwd: root.dir, request, timeoutMs: 5000 });
    expect(answer.error).toBe(`cannot start ${exec}: not executable`);
  });

  test("cancelling stops the plugin", async () => {
    const controller = new AbortController();
    const pending = run(script("slow", `#!/bin/sh\nsleep 30\n`), { signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ ok: false, output: "", error: "cancelled" });
  });
});

describe("parseAnswer", () => {
  test("accepts the documented shape", () => {
    expect(parseAnswer('{"ok":true,"output":"3 files"}\n')).toEqual({ ok: true, output: "3 files" });
  });

  test("nothing, the wrong shape, or a failure without a reason each get a clear error", () => {
    expect(parseAnswer("  \n").error).toBe("answered nothing (expected a JSON answer on stdout)");
    expect(parseAnswer('{"ok":"yes"}').error).toBe(
      'answered JSON without the expected {ok: boolean, output: string}: {"ok":"yes"}',
    );
    expect(parseAnswer('{"ok":false,"output":""}').error).toBe(
      "the plugin reported a failure without a reason",
    );
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await Bun.sleep(50);
}

/** Alive and not a zombie waiting for a parent that may never reap it (PID 1 in a container). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
