/**
 * What every benchmark section gets and gives back. scripts/bench.ts runs the sections one after
 * another (never two at once: they share two cores), prints the Markdown table and writes
 * bench/results.json.
 */

/** A figure with a target: `ratio` measured side by side in this run, `met` against `target`. */
export interface TargetCheck {
  ratio: number;
  target: number;
  /** ">=": ratio must be at least target (a speed ratio); "<=": at most (a time ratio). */
  direction: ">=" | "<=";
  met: boolean;
}

export interface BenchSettings {
  /** QUICK=1: smaller shapes and fewer repetitions, the whole run under 2 minutes. */
  quick: boolean;
  /** Threads for every llama.cpp context in the run, the same on both sides of each ratio. */
  threads: number;
  /** The random-weight model the LLM sections use (scripts/make-bench-model.ts). */
  model: { path: string; shape: string; quant: string; bytes: number };
  contextSize: number;
  /** How many times each timed measurement is repeated (the median is reported). */
  repetitions: number;
  /** Workload sizes: full run, QUICK=1, and the tests' tiny runs differ only here and in the model. */
  sizes: BenchSizes;
}

export interface BenchSizes {
  /** Tokens generated per decode measurement. Full: 128. */
  decodeTokens: number;
  /** Tokens of grounding (vault excerpts) the turn benchmark's conversation starts from. Full: ~1,500. */
  preambleTokens: number;
  /** Turns in the conversation. Full: 3. */
  turns: number;
  /** ttfa: the conversation's first turns typed into the REPL. Full: all 6. */
  typedTurns: number;
  /** ttfa: the typist's speed, characters per second. Full: 6. */
  typingCharsPerSecond: number;
  /** Markdown files in the generated vault. Full: 10,000 (~20 MB). */
  vaultFiles: number;
  /** Vault queries timed for p50/p95. Full: 200. */
  vaultQueries: number;
  /** Files changed before the incremental re-index (in each vault). Full: 10. */
  vaultChanges: number;
  /** The mixed vault's 10-page PDF manuals. Full: 1,000. */
  mixedPdfs: number;
  /** The mixed vault's saved HTML pages. Full: 100. */
  mixedHtml: number;
  /** The mixed vault's 10-chapter EPUB books. Full: 20. */
  mixedEpubs: number;
}

export interface BenchContext {
  settings: BenchSettings;
  /** The repository root. */
  root: string;
  /** A scratch folder of this run, removed afterwards. */
  workDir: string;
  /** Progress for the operator (stderr), one line at a time. */
  log(line: string): void;
}

/** One line of the printed Markdown table. */
export interface TableRow {
  section: string;
  figure: string;
  /** The measured figures, already formatted ("36.2 tok/s vs 36.5 tok/s"). */
  value: string;
  /** Present when the figure has a target. */
  check?: TargetCheck;
  /** A side-by-side ratio with no target (a figure with a target carries its ratio in `check`). */
  ratio?: number;
}

export interface SectionOutcome {
  /** Raw figures for results.json; every figure with a target carries a TargetCheck beside them. */
  result: Record<string, unknown>;
  rows: TableRow[];
}

export type Section = (ctx: BenchContext) => Promise<SectionOutcome>;

export function check(ratio: number, target: number, direction: ">=" | "<="): TargetCheck {
  return { ratio, target, direction, met: direction === ">=" ? ratio >= target : ratio <= target };
}
