import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { describeFsError, explainWriteError } from "../../src/fs/fs-error.ts";
import { NoSpaceError, NotWritableError } from "../../src/update/errors.ts";
import { explainFsError } from "../../src/update/fs-errors.ts";

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

function realError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("fs errors, in one set of words", () => {
  test("a fixable failed write is named, in the same words as describeFsError", () => {
    expect(explainWriteError(errno("EROFS"), "/v/ember")).toEqual({
      problem: "not-writable",
      message: "cannot write /v/ember: the filesystem is read-only",
    });
    expect(explainWriteError(errno("EDQUOT"), "/v/ember")?.problem).toBe("no-space");
    expect(describeFsError(errno("EDQUOT"))).toBe("disk quota exceeded (EDQUOT)");
  });

  test("anything else is not a write problem, and the updater passes it through unchanged", () => {
    const missing = realError(() => readFileSync("/nonexistent/ember-fs-error-test"));
    expect(explainWriteError(missing, "/x")).toBeUndefined();
    expect(explainFsError(missing, "/x")).toBe(missing);
  });

  test("the updater maps each problem to its own error class, with fs/'s message", () => {
    const readOnly = explainFsError(errno("EACCES"), "/opt/ember");
    expect(readOnly).toBeInstanceOf(NotWritableError);
    expect((readOnly as Error).message).toBe("cannot write /opt/ember: permission denied");
    const full = explainFsError(errno("ENOSPC"), "/opt/ember");
    expect(full).toBeInstanceOf(NoSpaceError);
    expect((full as Error).message).toBe("cannot write /opt/ember: no space left on the device");
  });
});
