import { isAlive } from "../os/process-alive.ts";
import { findEngine, startEngine } from "./auto-start.ts";

/** How long a stopping engine may take, and how long its supervisor gets to bring it back. */
const STOP_TIMEOUT_MS = 30_000;
const SUPERVISOR_GRACE_MS = 30_000;

/**
 * After `ember upgrade` swapped the binary (or rolled it back): the running engine is asked to
 * stop, and the engine comes back on `binary`: its supervisor restarts it (the appliance), or it is
 * started here. Returns the new engine's pid, or undefined when no engine was running.
 */
export async function restartEngine(
  vaultDir: string,
  env: Record<string, string | undefined>,
  binary: string,
): Promise<number | undefined> {
  const running = await findEngine(vaultDir);
  if (!running) return undefined;
  const { pid, supervised } = await running.status();
  await running.post("/v1/shutdown").catch(() => undefined);
  const stopBy = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < stopBy) await Bun.sleep(100);
  // Its supervisor (the appliance's init script) starts the new binary itself.
  const graceBy = Date.now() + (supervised ? SUPERVISOR_GRACE_MS : 0);
  while (Date.now() < graceBy) {
    const back = await findEngine(vaultDir);
    if (back) return (await back.status()).pid;
    await Bun.sleep(200);
  }
  const started = await startEngine(vaultDir, env, [binary]);
  return (await started.status()).pid;
}
