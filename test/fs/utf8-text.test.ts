import { expect, test } from "bun:test";
import { UnsafeFileError } from "../../src/fs/safe-open.ts";
import { decodeUtf8, NotUtf8Error, problemLine } from "../../src/fs/utf8-text.ts";

test("UTF-8 text comes back as it is", () => {
  expect(decodeUtf8("a.yml", Buffer.from("prompt: «café» ☕\n"))).toBe("prompt: «café» ☕\n");
});

test("bytes that are not UTF-8 are refused, naming the first line that holds them", () => {
  const bytes = Buffer.concat([
    Buffer.from("one\ntwo\nthr"),
    Buffer.from([0xe9]),
    Buffer.from("e\nfour\xff\n"),
  ]);
  let error: unknown;
  try {
    decodeUtf8("site.yml", bytes);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(NotUtf8Error);
  expect(error).toBeInstanceOf(UnsafeFileError);
  expect((error as NotUtf8Error).message).toBe("site.yml: not UTF-8 text");
  expect(problemLine(error as UnsafeFileError)).toBe(3);
  expect(problemLine(new UnsafeFileError("x", "not a regular file"))).toBe(1);
});
