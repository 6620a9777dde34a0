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
  test("the line goes out a moment after the first key, as it is then, trimmed; a burst goes out once", async () => {
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

  test("typing faster than the delay is still followed, one send per delay at most", async () => {
    const target = recorder();
    const typing = watchTyping(target, DELAY);
    const line = "check the antenna";
    for (let i = 1; i <= line.length; i++) {
      typing.edited(line.slice(0, i));
      await Bun.sleep(DELAY / 3);
    }
    await settle();
    const sent = target.calls.map((c) => c.replace("prefill ", ""));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.length).toBeLessThan(line.length);
    expect(sent.at(-1)).toBe(line);
    // Each send is the line as it was then: a prefix of the next one.
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.startsWith(sent[i - 1]!)).toBe(true);
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
