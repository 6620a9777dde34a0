import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  readFileCapped,
  readFileInside,
  readTailLinesInside,
  UnsafeFileError,
} from "../../src/fs/safe-open.ts";

const root = mkdtempSync(join(tmpdir(), "ember-safe-open-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const vault = join(root, "vault");
mkdirSync(join(vault, "docs"), { recursive: true });
writeFileSync(join(root, "secret"), "outside\n");
writeFileSync(join(vault, "docs", "plain.md"), "inside\n");
writeFileSync(join(vault, "docs", "log.txt"), "first line\n\nsecond\nthird\n");
symlinkSync("plain.md", join(vault, "docs", "alias.md"));
symlinkSync(join(root, "secret"), join(vault, "docs", "leak.md"));
symlinkSync(root, join(vault, "docs", "up"));
Bun.spawnSync(["mkfifo", join(vault, "docs", "pipe.md")]);

const read = (name: string, maxBytes = 1024) =>
  readFileInside(join(vault, "docs", name), { root: vault, maxBytes }).toString();

function reason(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeFileError);
    return (error as UnsafeFileError).reason;
  }
  throw new Error("expected a refusal");
}

describe("readFileInside", () => {
  test("reads a regular file, and a link whose target stays inside the root", () => {
    expect(read("plain.md")).toBe("inside\n");
    expect(read("alias.md")).toBe("inside\n");
  });

  test("a final link out of the root, or a folder link on the way, is refused", () => {
    expect(reason(() => read("leak.md"))).toBe("leads outside the vault");
    expect(reason(() => read("up/secret"))).toBe("leads outside the vault");
    expect(
      reason(() =>
        readFileInside(join(vault, "docs", "leak.md"), { root: vault, maxBytes: 9, rootName: "x" }),
      ),
    ).toBe("leads outside x");
  });

  test("a FIFO is refused without blocking; a folder, a missing file and an oversized one are named", () => {
    expect(reason(() => read("pipe.md"))).toBe("not a regular file");
    expect(reason(() => read(""))).toBe("not a regular file");
    expect(reason(() => read("missing.md"))).toBe("cannot read (ENOENT)");
    expect(reason(() => read("plain.md", 3))).toBe("is 7 B, over the 3 B limit; not read");
  });
});

describe("readFileCapped", () => {
  test("follows links (the path was named outright) but still caps the size and the type", () => {
    expect(readFileCapped(join(vault, "docs", "leak.md"), 100).toString()).toBe("outside\n");
    expect(reason(() => readFileCapped(join(vault, "docs", "leak.md"), 2))).toBe(
      "is 8 B, over the 2 B limit; not read",
    );
    expect(reason(() => readFileCapped(join(vault, "docs", "pipe.md"), 100))).toBe("not a regular file");
  });
});

describe("readTailLinesInside", () => {
  const tail = (name: string, maxBytes: number) =>
    readTailLinesInside(join(vault, "docs", name), { root: vault, maxBytes });

  test("a file within the cap: all its lines, none skipped", () => {
    expect(tail("log.txt", 1024)).toEqual({ lines: ["first line", "second", "third"], skipped: 0 });
  });

  test("an oversized file: its newest whole lines within the cap, the line cut at the start dropped", () => {
    // The last 10 bytes are "ond\nthird\n": "ond" is the end of a cut line.
    expect(tail("log.txt", 10)).toEqual({ lines: ["third"], skipped: 15 });
  });

  test("checked as readFileInside checks: no FIFO, no way out, missing named as such", () => {
    expect(reason(() => tail("pipe.md", 10))).toBe("not a regular file");
    expect(reason(() => tail("leak.md", 10))).toBe("leads outside the vault");
    let missing: unknown;
    try {
      tail("missing.md", 10);
    } catch (error) {
      missing = error;
    }
    expect((missing as UnsafeFileError).missing).toBe(true);
  });
});
