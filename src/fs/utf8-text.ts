import { UnsafeFileError } from "./safe-open.ts";

/**
 * The bytes of a file Ember is about to parse (config, manifest, prompt), as text. Buffer's own
 * toString turns bytes that are not UTF-8 into U+FFFD and lets the parser go on over garbage; a
 * binary or Latin-1 file is instead refused, naming the first line that holds such bytes.
 */
export function decodeUtf8(path: string, bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new NotUtf8Error(path, firstBadLine(bytes));
  }
}

/** A file that is not UTF-8 text; `line` is the first line holding bytes that are not. */
export class NotUtf8Error extends UnsafeFileError {
  constructor(
    path: string,
    readonly line: number,
  ) {
    super(path, "not UTF-8 text");
  }
}

/** The line a file problem is on: the bad line of a NotUtf8Error, else the top of the file. */
export function problemLine(error: UnsafeFileError): number {
  return error instanceof NotUtf8Error ? error.line : 1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function firstBadLine(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      strictUtf8.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}
