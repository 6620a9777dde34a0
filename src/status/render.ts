import type { AgentStatus } from "../agents/types.ts";
import type { Style } from "../terminal/style.ts";
import { formatTable } from "../terminal/table.ts";
import type { Health, StatusReport } from "./report.ts";

export function statusMark(status: AgentStatus | Health | undefined, style: Style): string {
  switch (status) {
    case "ok":
      return style.green("ok");
    case "degraded":
      return style.yellow("degraded");
    case "failed":
      return style.red("failed");
    case "skipped":
      return style.dim("skipped");
    default:
      return style.dim("not run");
  }
}

/** `/status`: one screen, the most important line first. */
export function renderStatus(report: StatusReport, style: Style): string[] {
  const lines = [`${style.bold("Ember")} ${report.version}  health: ${statusMark(report.health, style)}`];
  const config = report.config.valid
    ? style.green("valid")
    : style.red(
        `config invalid (${report.config.issueCount} problem${report.config.issueCount === 1 ? "" : "s"})`,
      );
  const files =
    report.config.files.length > 0
      ? style.dim(`  from defaults + ${report.config.files.length} file(s)`)
      : style.dim("  defaults");
  lines.push(
    ...formatTable(
      [
        ["config", config + files],
        ["vault", report.vault.path],
        ["log", report.log.file],
      ],
      "  ",
    ),
  );
  for (const issue of report.config.issues) lines.push(style.red(`    ! ${issue}`));
  for (const warning of report.config.warnings) lines.push(style.yellow(`    ~ ${warning}`));
  lines.push(style.bold("agents"));
  const rows = report.agents.map((a) => [
    a.name,
    a.enabled ? statusMark(a.last?.status, style) : style.dim("disabled"),
    a.last ? a.last.summary : "",
  ]);
  lines.push(...formatTable(rows, "  "));
  for (const problem of report.problems) lines.push(style.yellow(`  ! ${problem}`));
  return lines;
}
