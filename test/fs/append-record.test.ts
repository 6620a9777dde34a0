import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendRecords } from "../../src/fs/append-record.ts";

const dir = mkdtempSync(join(tmpdir(), "ember-append-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("appendRecords", () => {
  test("appends whole lines, creating the file", () => {
    const file = join(dir, "new.log");
    appendRecords(file, "one\n");
    appendRecords(file, "two\nthree\n");
    expect(readFileSync(file, "utf8")).toBe("one\ntwo\nthree\n");
  });

  test("a torn last line (a crash mid-write) is cut off before the next record, never joined to it", () => {
    const file = join(dir, "torn.log");
    writeFileSync(file, `whole\n${"half a rec".repeat(1000)}`);
    appendRecords(file, "next\n");
    expect(readFileSync(file, "utf8")).toBe("whole\nnext\n");
    writeFileSync(file, "no newline at all");
    appendRecords(file, "first\n");
    expect(readFileSync(file, "utf8")).toBe("first\n");
  });
});
