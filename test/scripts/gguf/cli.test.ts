import { describe, expect, test } from "bun:test";
import { choiceOption, integerOption, parseCli, UsageError } from "../../../scripts/gguf/cli.ts";

describe("parseCli", () => {
  const options = { seed: { type: "string" }, force: { type: "boolean" } } as const;

  test("returns option values and positionals", () => {
    const parsed = parseCli(["out.gguf", "--seed", "3", "--force"], options, 1);
    expect(parsed.positionals).toEqual(["out.gguf"]);
    expect(parsed.values).toEqual({ seed: "3", force: true });
  });

  test.each([
    [["--nope"], /^Unknown option '--nope'$/],
    [["--seed"], /argument missing/],
    [["a", "b"], /^unexpected argument 'b'$/],
  ])("turns %p into a one-line UsageError", (args, message) => {
    expect(() => parseCli(args, options, 1)).toThrow(UsageError);
    expect(() => parseCli(args, options, 1)).toThrow(message);
  });
});

describe("integerOption", () => {
  const rule = { min: 32, max: 1024, multipleOf: 32 };

  test("parses in-range values and falls back when absent", () => {
    expect(integerOption("embd", "96", 64, rule)).toBe(96);
    expect(integerOption("embd", undefined, 64, rule)).toBe(64);
  });

  test.each(["33", "0", "2048", "-32", "1e2", "abc", ""])("rejects %p", (raw) => {
    expect(() => integerOption("embd", raw, 64, rule)).toThrow(
      `--embd must be a multiple of 32 from 32 to 1024, got '${raw}'`,
    );
  });
});

describe("choiceOption", () => {
  test("accepts a listed choice and rejects others", () => {
    expect(choiceOption("quant", "q8_0", "q4_0", ["q4_0", "q8_0"])).toBe("q8_0");
    expect(choiceOption("quant", undefined, "q4_0", ["q4_0", "q8_0"])).toBe("q4_0");
    expect(() => choiceOption("quant", "q5_k", "q4_0", ["q4_0", "q8_0"])).toThrow(
      "--quant must be one of q4_0, q8_0, got 'q5_k'",
    );
  });
});
