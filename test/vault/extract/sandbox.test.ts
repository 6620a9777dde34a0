import { afterEach, describe, expect, test } from "bun:test";
import { deflateSync } from "node:zlib";
import { makePdf } from "../../../scripts/lib/pdf-writer.ts";
import { DocumentProblem } from "../../../src/vault/extract/document.ts";
import { DEFAULT_EXTRACT_LIMITS } from "../../../src/vault/extract/formats.ts";
import { ExtractionSandbox } from "../../../src/vault/extract/sandbox.ts";

/** Long enough that reading it in a fresh worker takes well over the sandbox's 50 ms memory poll. */
const LONG_MANUAL = makePdf(
  Array.from({ length: 400 }, (_, i) => ({
    lines: Array.from({ length: 30 }, (_, j) => ({ text: `Page ${i + 1} line ${j + 1} about the pump.` })),
  })),
);
const SHORT = makePdf([{ lines: [{ text: "Check the fuel filter." }] }]);

const sandboxes: ExtractionSandbox[] = [];
afterEach(() => {
  for (const s of sandboxes.splice(0)) s.close();
});

function sandbox(): ExtractionSandbox {
  const s = new ExtractionSandbox();
  sandboxes.push(s);
  return s;
}

async function problemOf(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocumentProblem);
  return (error as Error).message;
}

describe("ExtractionSandbox", () => {
  test("parses in a worker and hands back the parts", async () => {
    const parts = await sandbox().extract("pdf", SHORT, DEFAULT_EXTRACT_LIMITS);
    expect(parts).toEqual([{ page: 1, lines: [{ text: "Check the fuel filter.", no: 1 }] }]);
  });

  test("a file that takes too long is stopped; the next file gets a fresh worker", async () => {
    const s = sandbox();
    const limits = { ...DEFAULT_EXTRACT_LIMITS, timeoutMs: 20 };
    expect(await problemOf(s.extract("pdf", LONG_MANUAL, limits))).toBe("took longer than 20 ms to read");
    const parts = await s.extract("pdf", SHORT, DEFAULT_EXTRACT_LIMITS);
    expect(parts[0]!.lines[0]!.text).toBe("Check the fuel filter.");
  });

  test("a file that swells memory past the limit is stopped", async () => {
    const s = sandbox();
    // 96 MiB of content stream in a small file: reading it must take far more than 16 MiB, however
    // much memory earlier tests left free to reuse (a limit of a few bytes depended on that).
    const swelling = makePdf([
      { contents: { filter: "FlateDecode", data: deflateSync(Buffer.alloc(96 * 1024 * 1024, 0x20)) } },
    ]);
    const limits = { ...DEFAULT_EXTRACT_LIMITS, maxMemoryGrowthBytes: 16 * 1024 * 1024 };
    expect(await problemOf(s.extract("pdf", swelling, limits))).toBe(
      "needed more than 16.0 MiB of memory to read",
    );
  });

  test("an abort stops the worker and rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const run = sandbox().extract("pdf", LONG_MANUAL, DEFAULT_EXTRACT_LIMITS, controller.signal);
    controller.abort(new Error("operator pressed Ctrl-C"));
    await expect(run).rejects.toThrow("operator pressed Ctrl-C");
  });
});
