import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bootEmber } from "../../src/boot.ts";
import { formatMs } from "./format.ts";
import { openBridge, openRawSide } from "./llm-model.ts";
import { makeLlmVault, question } from "./llm-vault.ts";
import { percentile, round } from "./stats.ts";
import { compareContinue } from "./ttfa-ask.ts";
import { runTtfaConversation, type TtfaTurn } from "./ttfa-conversation.ts";
import { TYPING_CONFIG, typeConversation } from "./ttfa-typing.ts";
import { check, type Section, type TableRow, type TargetCheck } from "./types.ts";

/**
 * ttfa: the time to the first answer byte over a six-turn conversation on a generated vault, with
 * Ember's own grounding settings. docs/PERFORMANCE.md says what each figure means.
 *  - Each turn through Ember's real turn, against its bound and the naive design (ttfa-conversation.ts);
 *  - the conversation typed into the REPL on a pseudo-terminal (ttfa-typing.ts);
 *  - a follow-up from a new process, `ember ask --continue` against a cold `ember ask` (ttfa-ask.ts).
 */

const TURNS = 6;
/** Turns 2+: the first answer byte within this many times the bound. */
const BOUND_TARGET = 1.3;
/** Turns 2+: the naive design at least this many times slower to the first answer byte. */
const NAIVE_TARGET = 5;
/** Turns 2+ that run no command: at most this many decode steps before the first answer byte. */
const DECODE_TARGET = 12;
/** Typed: tokens evaluated after Enter before the first answer byte, beyond the question's own. */
const TYPED_SLACK_TOKENS = 48;
/** Typed: every keypress echoed within a frame at 60 Hz. */
const ECHO_TARGET_MS = 16;

export const ttfa: Section = async (ctx) => {
  const { settings } = ctx;
  const vault = await makeLlmVault(ctx, "ttfa-vault", "defaults");
  writeFileSync(join(vault.dir, "config", "ttfa.yml"), TYPING_CONFIG);
  const { app, agentsDone } = bootEmber({ env: vault.env, cwd: vault.dir });
  await agentsDone;
  const bridge = await openBridge(settings);
  let turns: TtfaTurn[];
  const questionTokens: number[] = [];
  try {
    const side = await openRawSide(bridge, settings);
    turns = await runTtfaConversation(app, bridge, side, {
      turns: TURNS,
      question,
      workDir: ctx.workDir,
      log: ctx.log,
    });
    for (let n = 1; n <= settings.sizes.typedTurns; n++) questionTokens.push(bridge.countTokens(question(n)));
  } finally {
    // The REPL and the asks below load the model themselves.
    await bridge.dispose();
  }
  // Greedy, as the REPL takes no seed: its plans repeat from run to run, as the asks' below do.
  const typed = await typeConversation({
    root: ctx.root,
    vaultDir: vault.dir,
    env: { ...vault.env, LLAMA_CPP_TEMPERATURE: "0" },
    questions: questionTokens.map((_, i) => question(i + 1)),
    charsPerSecond: settings.sizes.typingCharsPerSecond,
    log: ctx.log,
  });
  const ask = await compareContinue({
    root: ctx.root,
    vaultDir: vault.dir,
    // Greedy, as `ember ask` takes no seed: both processes make the same plan for the same question.
    env: { ...vault.env, LLAMA_CPP_TEMPERATURE: "0" },
    first: question(1),
    followUp: question(2),
  });
  ctx.log(`ttfa ask: --continue ${ask.continued.firstAnswerMs} ms, cold ${ask.cold.firstAnswerMs} ms`);

  const later = turns.filter((t) => t.turn >= 2);
  const boundChecks = turns.map((t) =>
    t.turn >= 2 ? check(t.firstAnswerMs / t.bound.ms, BOUND_TARGET, "<=") : undefined,
  );
  const naive = smallest(later, (t) => t.naive.ms / t.firstAnswerMs);
  const quiet = later.filter((t) => t.commands.length === 0);
  const decode = largest(quiet, (t) => t.decodedBeforeAnswer);
  const typedTurns = typed.map((t, i) => ({
    ...t,
    turn: i + 1,
    allowed: questionTokens[i]! + TYPED_SLACK_TOKENS,
  }));
  // A command's output can only be evaluated once it ran: in a turn that runs commands, what the
  // target is about (what the prefill left to read) is what came before the plan's first decode
  // step, which in a turn that runs none is all there is before the answer.
  const typedQuiet = typedTurns.filter((t) => t.commands.length === 0);
  const leftToRead = (t: (typeof typedTurns)[number]) =>
    t.commands.length === 0 ? t.afterEnterTokens : t.afterEnterBeforePlan;
  const typedWorst = largest(typedTurns, (t) => leftToRead(t) / t.allowed);
  const echoes = typed.flatMap((t) => t.echoesMs);
  const echoMax = Math.max(...echoes);

  const checks = {
    bound: worstOf(boundChecks),
    naive: naive && check(naive.value, NAIVE_TARGET, ">="),
    decode: decode && check(decode.value, DECODE_TARGET, "<="),
    typed: typedWorst && check(typedWorst.value, 1, "<="),
    echo: check(echoMax / ECHO_TARGET_MS, 1, "<="),
  };
  const rows: TableRow[] = turns.map((t, i) => turnRow(t, boundChecks[i]));
  rows.push({
    section: "ttfa",
    figure: "turns 2+: naive ÷ Ember to the first answer byte (smallest)",
    value: naive
      ? `turn ${naive.item.turn}: naive ${formatMs(naive.item.naive.ms)} vs Ember ${formatMs(naive.item.firstAnswerMs)}; naive ÷ bound ${(naive.item.naive.ms / naive.item.bound.ms).toFixed(2)} there, the most any design could reach (smallest over turns 2+: ${Math.min(...later.map((t) => t.naive.ms / t.bound.ms)).toFixed(2)})`
      : "no turn 2",
    ...(checks.naive ? { check: checks.naive } : {}),
  });
  rows.push({
    section: "ttfa",
    figure: "turns 2+ with no command: decode steps before the first answer byte (most)",
    value: decode
      ? `turn ${decode.item.turn}: ${decode.value} steps (${quiet.length} of ${later.length} turns ran no command)`
      : `every turn 2+ ran a command (${later.map((t) => t.commands.join("+")).join(", ")})`,
    ...(checks.decode ? { check: checks.decode } : {}),
  });
  rows.push({
    section: "ttfa",
    figure: `typed at ${settings.sizes.typingCharsPerSecond} chars/s: tokens evaluated after Enter before the first answer byte, or before the plan's first decode step in a turn that runs commands (worst)`,
    value: typedWorst
      ? `turn ${typedWorst.item.turn}: ${leftToRead(typedWorst.item)} vs question ${typedWorst.item.allowed - TYPED_SLACK_TOKENS} + ${TYPED_SLACK_TOKENS} (${typedWorst.item.prefilledTokens} prefilled while typing, ${typedWorst.item.inFlightTokens} in flight at Enter; ${typedWorst.item.commands.length > 0 ? `ran ${typedWorst.item.commands.join(", ")}` : "ran no command"}); ${typedQuiet.length} of ${typed.length} turns ran no command`
      : "no typed turn",
    ...(checks.typed ? { check: checks.typed } : {}),
  });
  for (const t of typedTurns)
    rows.push({
      section: "ttfa",
      figure: `typed turn ${t.turn}: tokens evaluated after Enter before the first answer byte`,
      value: `${t.afterEnterTokens}, ${t.afterEnterBeforePlan} of them before the plan (question ${t.allowed - TYPED_SLACK_TOKENS}; ${t.prefilledTokens} prefilled while typing, ${t.inFlightTokens} in flight at Enter${t.commands.length > 0 ? `; ran ${t.commands.join(", ")}` : ""}); first answer byte ${t.firstAnswerMs === null ? "none" : formatMs(t.firstAnswerMs)} after Enter`,
    });
  rows.push({
    section: "ttfa",
    figure: "typed: keypress to echo while Ember prefills",
    value: `max ${formatMs(echoMax)}, p95 ${formatMs(percentile(echoes, 95))}, p50 ${formatMs(percentile(echoes, 50))} over ${echoes.length} keys (target: every key within ${ECHO_TARGET_MS} ms)`,
    check: checks.echo,
  });
  rows.push({
    section: "ttfa",
    figure: "follow-up from a new process: ember ask --continue vs a cold ember ask",
    value: `${formatMs(ask.continued.firstAnswerMs)} vs ${formatMs(ask.cold.firstAnswerMs)} to the first answer byte; ${ask.continued.evaluatedBeforeAnswer} vs ${ask.cold.evaluatedBeforeAnswer} tokens evaluated before it`,
    ratio: ask.continued.firstAnswerMs / ask.cold.firstAnswerMs,
  });
  return {
    result: {
      turns: turns.map((t, i) => ({ ...t, ...(boundChecks[i] ? { check: boundChecks[i] } : {}) })),
      typed: typed.map((t, i) => ({
        ...t,
        questionTokens: questionTokens[i],
        echoesMs: t.echoesMs.map((ms) => round(ms, 2)),
      })),
      echo: {
        keys: echoes.length,
        maxMs: round(echoMax, 2),
        p95Ms: round(percentile(echoes, 95), 2),
        p50Ms: round(percentile(echoes, 50), 2),
      },
      ask,
      checks,
    },
    rows,
  };
};

function turnRow(t: TtfaTurn, target: TargetCheck | undefined): TableRow {
  const commands = t.commands.length > 0 ? `; ran ${t.commands.join(", ")}` : "";
  return {
    section: "ttfa",
    figure:
      t.turn === 1
        ? "turn 1 (cold): first answer byte, Ember vs bound"
        : `turn ${t.turn}: first answer byte, Ember vs bound`,
    value:
      `${formatMs(t.firstAnswerMs)} vs ${formatMs(t.bound.ms)} (naive ${formatMs(t.naive.ms)}); before it ` +
      `${t.evaluatedBeforeAnswer} evaluated (bound ${t.bound.evaluatedTokens}), ${t.decodedBeforeAnswer} decoded; ` +
      `${t.evaluatedTokens} evaluated in the turn${commands}`,
    ...(target ? { check: target } : {}),
  };
}

function worstOf(checks: readonly (TargetCheck | undefined)[]): TargetCheck | undefined {
  return checks.reduce<TargetCheck | undefined>(
    (a, b) => (!b || (a && a.ratio >= b.ratio) ? a : b),
    undefined,
  );
}

function largest<T>(items: readonly T[], value: (item: T) => number): { item: T; value: number } | undefined {
  return items.reduce<{ item: T; value: number } | undefined>((best, item) => {
    const v = value(item);
    return best && best.value >= v ? best : { item, value: v };
  }, undefined);
}

function smallest<T>(
  items: readonly T[],
  value: (item: T) => number,
): { item: T; value: number } | undefined {
  const found = largest(items, (item) => -value(item));
  return found && { item: found.item, value: -found.value };
}
