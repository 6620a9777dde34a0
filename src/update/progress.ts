import { formatBytes } from "../terminal/bytes.ts";
import type { DownloadProgress } from "./download.ts";

const BAR_WIDTH = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/**
 * One line: label, bar, percentage, size so far of total, rate and time left. The rate counts only
 * bytes fetched in this run, so a resumed download does not claim an impossible speed.
 */
export function renderProgressLine(label: string, progress: DownloadProgress): string {
  const { received, total, resumedFrom, elapsedMs } = progress;
  const fraction = total > 0 ? Math.min(1, received / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
  const rate = elapsedMs > 0 ? ((received - resumedFrom) * 1000) / elapsedMs : 0;
  const left = rate > 0 ? (total - received) / rate : Number.POSITIVE_INFINITY;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} [${bar}] ${percent} ${formatBytes(received)} / ${formatBytes(total)}  ${formatBytes(rate)}/s  ${formatDuration(left)} left`;
}

export interface ProgressSink {
  update(progress: DownloadProgress): void;
  /** Ends the line (keeps the last state visible). */
  done(): void;
}

/** Redraws the line in place on a terminal, at most every 100 ms; prints nothing elsewhere. */
export function progressOnTerminal(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  let latest: DownloadProgress | undefined;
  const draw = () => {
    if (!latest) return;
    const width = stream.columns ?? 100;
    stream.write(`\r${renderProgressLine(label, latest).slice(0, width - 1)}\x1b[K`);
    drawn = true;
  };
  return {
    update(progress) {
      latest = progress;
      const now = performance.now();
      if (now - last >= 100 || progress.received === progress.total) {
        last = now;
        draw();
      }
    },
    done() {
      draw();
      if (drawn) stream.write("\n");
    },
  };
}
