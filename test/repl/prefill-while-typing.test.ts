import { describe, expect, test } from "bun:test";
import { type SpeculativePrefill, watchTyping } from "../../src/repl/prefill-while-typing.ts";

/** A target that writes down what it was told, in order. */
function recorder(): SpeculativePrefill & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    prefill: (text) => calls.push(`prefill ${text}`),
    dropSpeculative: async () => {
      calls.push("drop");
    },
  };
}

const DELAY = 30;
const settle = () => Bun.sleep(DELAY * 3);

describe("watchTyping", () => {
  test("the line so far goes out once typing pauses, trimmed, and only the last of a burst", async () => {
    const target = recorder();
    const typing = watchTyping(target, DELAY);
    for (const text of ["h", "ho", "how", "how "]) typing.edited(text);
    expect(target.calls).toEqual([]);
    await settle();
    expect(target.calls).toEqual(["prefill how"]);
    typing.edited("how do");
    await settle();
    expect(target.calls).toEqual(["prefill how", "prefill how do"]);
  });

  test("a cleared line or a slash command drops at once, and nothing pending goes out", async () => {
    const target = recorder();
    const typing = watchTyping(target, DELAY);
    typing.edited("disk");
    typing.edited("");
    expect(target.calls).toEqual(["drop"]);
    typing.edited("/sta");
    typing.edited("  /status");
    await settle();
    expect(target.calls).toEqual(["drop", "drop", "drop"]);
  });

  test("Enter cancels what was pending: the question itself takes over", async () => {
    const target = recorder();
    const typing = watchTyping(target, DELAY);
    typing.edited("what is the uptime");
    typing.entered();
    await settle();
    expect(target.calls).toEqual([]);
  });
});
