import { SelfTestFailedError } from "./errors.ts";

export const DEFAULT_SELF_TEST_TIMEOUT_MS = 60_000;

interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

async function runBinary(binary: string, args: string[], timeoutMs: number): Promise<RunResult> {
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    // Its own process group, so a timeout kills whatever it started too (a child holding the pipes
    // open would otherwise keep us waiting).
    child = Bun.spawn([binary, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  } catch (error) {
    return { exitCode: null, stdout: "", stderr: (error as Error).message, timedOut: false };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  }, timeoutMs);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { exitCode: timedOut ? null : exitCode, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** The version a binary reports with `--version`, or undefined if it cannot say. */
export async function readBinaryVersion(binary: string, timeoutMs = 10_000): Promise<string | undefined> {
  const result = await runBinary(binary, ["--version"], timeoutMs);
  if (result.exitCode !== 0) return undefined;
  return /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/.exec(result.stdout)?.[0];
}

/**
 * Proves a downloaded binary runs on this node before it replaces the working one: `--version`
 * must report the manifest's version (no mislabelled build) and `self-test` must exit 0 in time.
 */
export async function runSelfTest(
  binary: string,
  expectedVersion: string,
  timeoutMs = DEFAULT_SELF_TEST_TIMEOUT_MS,
): Promise<void> {
  const reported = await readBinaryVersion(binary, timeoutMs);
  if (reported !== expectedVersion) {
    throw new SelfTestFailedError(
      `the downloaded ember reports version ${reported ?? "(none)"}, the manifest says ${expectedVersion}: not installed`,
    );
  }
  const result = await runBinary(binary, ["self-test"], timeoutMs);
  if (result.exitCode !== 0) {
    const why = result.timedOut
      ? `did not finish within ${timeoutMs / 1000} s`
      : `exited with ${result.exitCode ?? "a signal"}`;
    const tail = lastLine(result.stderr) || lastLine(result.stdout);
    throw new SelfTestFailedError(
      `the downloaded ember ${expectedVersion} failed its self-test (${why}${tail ? `: ${tail}` : ""}); the installed one is unchanged`,
    );
  }
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}
