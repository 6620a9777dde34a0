import { expect, test } from "bun:test";
import type { TurnWaitEvents } from "../../src/engine/api.ts";
import { sanitizeTurnEvents } from "../../src/terminal/sanitize-turn-events.ts";

function recorder() {
  const seen: string[] = [];
  const events: TurnWaitEvents = {
    onQueued: (position) => seen.push(`queued ${position}`),
    onCommandStart: (line) => seen.push(`start ${line}`),
    onCommandOutput: (text) => seen.push(`output ${text}`),
    onCommandDone: (record) => seen.push(`done ${record.name}`),
    onAnswerText: (text) => seen.push(`answer ${text}`),
  };
  return { seen, events: sanitizeTurnEvents(events) };
}

test("streamed answer text split inside escape sequences reaches the terminal as pictures only", () => {
  const { seen, events } = recorder();
  for (const chunk of ["The tuner\x1b", "]0;PWN", "ED\x07 is\x1b[", "2J fine\r", "\n"])
    events.onAnswerText?.(chunk);
  expect(seen.join("").replaceAll("answer ", "")).toBe("The tuner␛]0;PWNED␇ is␛[2J fine\n");
});

test("a planned command line and its streamed output are sanitized; other events pass through", () => {
  const { seen, events } = recorder();
  events.onQueued?.(2);
  events.onCommandStart?.("/search \x1b[2J\nx");
  events.onCommandOutput?.("line\x9b2J\r");
  events.onCommandDone?.({ name: "search", args: [], output: "", ms: 1, ok: true });
  expect(seen).toEqual(["queued 2", "start /search ␛[2J␊x", "output line␛[2J", "output ␍", "done search"]);
});
