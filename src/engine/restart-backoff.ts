import { writeFileAtomic } from "../fs/atomic-write.ts";
import { readFileCapped } from "../fs/safe-open.ts";

/** A start this soon after the previous one counts as a restart after a crash. */
const QUICK_RESTART_MS = 60_000;
const MAX_DELAY_MS = 60_000;

/**
 * How long this engine should wait before priming the model: 0 normally; 2, 4, 8 … 60 s when it
 * keeps being restarted within a minute (a model that runs the node out of memory would otherwise
 * be reloaded back to back by the supervisor). Clients can still attach at once, and a question
 * loads the model without waiting. The count lives in `file` (beside the socket).
 */
export function restartDelayMs(file: string, now = Date.now()): number {
  let previous = { at: 0, quick: 0 };
  try {
    // `{"at":…,"quick":…}`: anything larger is not ours, and is not parsed.
    const parsed = JSON.parse(readFileCapped(file, 256).toString("utf8"));
    if (Number.isFinite(parsed.at) && Number.isInteger(parsed.quick)) previous = parsed;
  } catch {
    // First start, or an unreadable file: no backoff.
  }
  const quick = now - previous.at < QUICK_RESTART_MS ? previous.quick + 1 : 0;
  writeFileAtomic(file, JSON.stringify({ at: now, quick }), 0o600);
  return quick === 0 ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** quick);
}
