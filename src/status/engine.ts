import type { EngineStatus } from "../engine/protocol.ts";
import type { Style } from "../terminal/style.ts";
import { formatTable } from "../terminal/table.ts";

/** `ember status`'s engine lines: pid, uptime, model, clients and queue; or that none runs. */
export function renderEngineStatus(status: EngineStatus | undefined, style: Style): string[] {
  if (!status)
    return [`${style.bold("engine")} ${style.dim("not running (the next REPL or ember ask starts it)")}`];
  const { model, queue } = status;
  const modelText =
    model.state === "ready"
      ? `${model.name ?? "ready"}  ${style.dim(`${model.threads} threads, context ${model.contextSize}`)}`
      : model.state === "failed"
        ? style.red(`failed: ${model.error ?? "unknown"}`)
        : model.state === "loading"
          ? style.yellow(`loading ${model.name ?? ""}`.trim())
          : style.dim("not loaded");
  const queueText =
    queue.running === undefined && queue.waiting.length === 0
      ? "idle"
      : `${queue.running === undefined ? "none" : "1"} running, ${queue.waiting.length} waiting`;
  const rows = [
    [
      "pid",
      `${status.pid}  ${style.dim(`up ${formatUptime(status.uptimeSeconds)}, ember ${status.version}`)}`,
    ],
    ["model", modelText],
    ["clients", String(status.clients)],
    ["queue", queueText],
  ];
  if (status.lastTurnTokensPerSecond !== undefined)
    rows.push(["last turn", `${status.lastTurnTokensPerSecond.toFixed(1)} tok/s`]);
  return [style.bold("engine"), ...formatTable(rows, "  ")];
}

export function formatUptime(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
