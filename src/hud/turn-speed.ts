import type { TurnTimings } from "../planner/turn.ts";

/**
 * The HUD's "tok/s": tokens the model generated in the last turn (plan and answer) over the time
 * both passes took, prompt evaluation included, so it is the speed the operator waited through.
 * Undefined when the turn generated nothing (stopped before the model ran).
 */
export function turnTokensPerSecond(
  timings: Pick<TurnTimings, "generatedTokens" | "planMs" | "respondMs">,
): number | undefined {
  const seconds = (timings.planMs + timings.respondMs) / 1000;
  if (timings.generatedTokens <= 0 || seconds <= 0) return undefined;
  return timings.generatedTokens / seconds;
}
