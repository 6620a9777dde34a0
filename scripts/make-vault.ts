#!/usr/bin/env bun
/**
 * Writes a deterministic pseudo-random vault for index benchmarks:
 *
 *   bun scripts/make-vault.ts OUT_DIR [--files N] [--seed N]
 *
 * N Markdown field-manual pages (default 100; 10,000 make about 20 MB) under OUT_DIR/docs/, plus the
 * core documents README.md, AGENTS.md and docs/ROADMAP.md. The same N and seed give the same bytes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mulberry32 } from "./lib/mulberry32.ts";

const VOCABULARY = (
  "antenna radio frequency channel battery generator fuel filter pump valve pressure gauge relay " +
  "switch breaker circuit cable connector ground mast tower signal beacon repeater modem router " +
  "uplink satellite dish azimuth elevation bearing compass grid coordinate map route checkpoint " +
  "perimeter patrol sentry shift roster log report inventory ration water purifier tank hose " +
  "shelter tent stake tarp rope knot pulley winch vehicle engine coolant oil tire jack spare " +
  "medical kit bandage splint tourniquet triage stretcher evacuation landing zone flare smoke " +
  "weather wind rain snow temperature humidity barometer forecast storm lightning solar panel " +
  "inverter charger voltage current fuse wire insulation tape multimeter probe sensor camera " +
  "drone tripod lens lamp lantern torch headlamp bulb spare parts toolbox wrench spanner drill " +
  "bit saw axe shovel pick crowbar ladder harness helmet gloves boots goggles mask respirator " +
  "checklist procedure inspection maintenance calibration test drill rehearsal briefing debrief " +
  "station base outpost camp depot cache stockpile supply convoy escort relay handover"
).split(" ");

const TOPICS = (
  "Antenna setup|Radio checks|Power budget|Generator maintenance|Water treatment|Shelter build|" +
  "Vehicle recovery|First aid|Navigation|Weather watch|Perimeter security|Supply inventory|" +
  "Solar array|Battery care|Signal relay|Night operations|Evacuation plan|Fuel handling|" +
  "Tool kit|Camp layout"
).split("|");

function makeWriter(seed: number) {
  const random = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(VOCABULARY)).join(" ");
  const sentence = () => {
    const s = words(int(6, 16));
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: int(2, 6) }, sentence).join(" ");

  const section = (level: number): string[] => {
    const out = [`${"#".repeat(level)} ${pick(TOPICS)}: ${words(int(1, 3))}`, ""];
    for (let p = int(1, 3); p > 0; p--) {
      const roll = random();
      if (roll < 0.1) {
        out.push(
          "```sh",
          `# ${words(3)}`,
          `check-${pick(VOCABULARY)} --${pick(VOCABULARY)} ${int(1, 99)}`,
          "```",
        );
      } else if (roll < 0.25) {
        for (let i = int(2, 5); i > 0; i--) out.push(`- ${sentence()}`);
      } else {
        out.push(paragraph());
      }
      out.push("");
    }
    if (level < 3 && random() < 0.3) out.push(...section(level + 1));
    return out;
  };

  const page = (n: number): string => {
    const out: string[] = [];
    if (random() < 0.3) out.push("---", `title: ${pick(TOPICS)} ${n}`, `revision: ${int(1, 9)}`, "---", "");
    out.push(`# ${pick(TOPICS)} manual ${n}`, "", paragraph(), "");
    for (let s = int(1, 3); s > 0; s--) out.push(...section(2));
    return out.join("\n");
  };

  return { page, paragraph };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { files: { type: "string", default: "100" }, seed: { type: "string", default: "1" } },
  });
  const outDir = positionals[0];
  const files = Number(values.files);
  const seed = Number(values.seed);
  if (outDir === undefined || positionals.length !== 1) {
    throw new Error("usage: bun scripts/make-vault.ts OUT_DIR [--files N] [--seed N]");
  }
  if (!Number.isInteger(files) || files < 0)
    throw new Error(`--files must be a whole number, got ${values.files}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

  const writer = makeWriter(seed);
  const docs = join(outDir, "docs");
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(outDir, "README.md"), `# Field vault\n\n${writer.paragraph()}\n`);
  writeFileSync(join(outDir, "AGENTS.md"), `# Operator instructions\n\n${writer.paragraph()}\n`);
  writeFileSync(join(docs, "ROADMAP.md"), `# Roadmap\n\n## Next\n\n${writer.paragraph()}\n`);

  let bytes = 0;
  for (let n = 0; n < files; n++) {
    // A hundred pages per folder keeps directories a realistic size.
    const dir = join(docs, `section-${String(Math.floor(n / 100)).padStart(3, "0")}`);
    if (n % 100 === 0) mkdirSync(dir, { recursive: true });
    const text = writer.page(n);
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, `page-${String(n).padStart(5, "0")}.md`), text);
  }
  console.log(`wrote ${files} pages (${(bytes / 1e6).toFixed(1)} MB) to ${docs}`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
