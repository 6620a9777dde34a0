/**
 * Sizes: each release target's single-file binary (scripts/build.ts). Cross targets fetch Bun's
 * runtime from npm on first use; a target that cannot be built is reported, and the others still are.
 */
import { TARGETS } from "../../src/update/targets.ts";
import { buildBinary } from "./binaries.ts";
import { formatCount, formatMiB } from "./format.ts";
import { oneLine } from "./harness.ts";
import { round } from "./stats.ts";
import type { Section, TableRow } from "./types.ts";

export const sizes: Section = async (ctx) => {
  const targets: Record<string, { bytes: number; buildSeconds: number } | { error: string }> = {};
  const rows: TableRow[] = [];
  for (const target of TARGETS) {
    try {
      const built = await buildBinary(ctx, target);
      targets[target] = { bytes: built.bytes, buildSeconds: round(built.seconds, 1) };
      rows.push({
        section: "sizes",
        figure: target,
        value: `${formatMiB(built.bytes)} (${formatCount(built.bytes)} bytes)`,
      });
    } catch (error) {
      targets[target] = { error: oneLine(error) };
      rows.push({ section: "sizes", figure: target, value: `not built: ${oneLine(error)}` });
    }
  }
  if (Object.values(targets).every((entry) => "error" in entry)) {
    throw new Error(`no target could be built: ${rows[0]?.value ?? "no targets"}`);
  }
  return { result: { targets }, rows };
};
