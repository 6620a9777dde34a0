import { formatRatio } from "./format.ts";
import type { TableRow } from "./types.ts";

const HEADER = ["section", "figure", "value", "ratio", "target", "met"];

/** The results as a Markdown table: one line per figure, targets and whether they were met. */
export function renderTable(rows: readonly TableRow[]): string {
  const lines = [HEADER, HEADER.map(() => "---")].map(line);
  for (const row of rows) {
    const ratio = row.check?.ratio ?? row.ratio;
    lines.push(
      line([
        row.section,
        row.figure,
        row.value,
        ratio === undefined ? "" : formatRatio(ratio),
        row.check ? `${row.check.direction} ${formatRatio(row.check.target)}` : "",
        row.check ? (row.check.met ? "yes" : "**no**") : "",
      ]),
    );
  }
  return `${lines.join("\n")}\n`;
}

function line(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

/** A cell stays on its line and inside its column whatever a section's message holds. */
function cell(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").replaceAll("|", "\\|");
}
