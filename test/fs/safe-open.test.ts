import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileCapped, readFileInside, UnsafeFileError } from "../../src/fs/safe-open.ts";

const root = mkdtempSync(join(tmpdir(), "ember-safe-open-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const vault = join(root, "vault");
mkdirSync(join(vault, "docs"), { recursive: true });
writeFileSync(join(root, "secret"), "outside\n");
writeFileSync(join(vault, "docs", "plain.md"), "inside\n");
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
