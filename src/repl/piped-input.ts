/**
 * Lines from a non-terminal stdin (`printf '/status\n' | ember`, a script, a test).
 *
 * Bytes are split on LF before decoding, so a UTF-8 character can never be cut in half by
 * a chunk boundary; invalid UTF-8 becomes U+FFFD instead of an error; a CR before the LF
 * is dropped; a last line without a newline still counts. A long line is gathered as a
 * list of chunks and joined once, so a 1 MB line costs the same per byte as a short one.
 */

export type InputChunk = Uint8Array | string;

const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const encoder = new TextEncoder();
const LF = 0x0a;
const CR = 0x0d;
const BOM = "\ufeff";

export class PipedLineReader {
  readonly #chunks: AsyncIterator<InputChunk>;
  /** Bytes of the line being gathered, not yet ending in LF. */
  #partial: Uint8Array[] = [];
  /** What is left of the current chunk after the last LF handed out. */
  #rest: Uint8Array = new Uint8Array(0);
  #ended = false;
  #firstLine = true;

  constructor(input: AsyncIterable<InputChunk>) {
    this.#chunks = input[Symbol.asyncIterator]();
  }

  /** The next line without its line ending, or null once the input has ended. */
  async next(): Promise<string | null> {
    for (;;) {
      const newline = this.#rest.indexOf(LF);
      if (newline !== -1) {
        this.#partial.push(this.#rest.subarray(0, newline));
        this.#rest = this.#rest.subarray(newline + 1);
        return this.#takeLine();
      }
      if (this.#rest.length > 0) this.#partial.push(this.#rest);
      this.#rest = new Uint8Array(0);
      if (this.#ended) return this.#partial.length > 0 ? this.#takeLine() : null;

      const step = await this.#chunks.next();
      if (step.done) this.#ended = true;
      else this.#rest = typeof step.value === "string" ? encoder.encode(step.value) : step.value;
    }
  }

  /** Stop reading: lets the source release its handle (e.g. stdin stops holding the process). */
  async close(): Promise<void> {
    this.#ended = true;
    await this.#chunks.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (let line = await this.next(); line !== null; line = await this.next()) yield line;
  }

  #takeLine(): string {
    let bytes = this.#partial.length === 1 ? this.#partial[0]! : joinChunks(this.#partial);
    this.#partial = [];
    if (bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    let line = decoder.decode(bytes);
    if (this.#firstLine && line.startsWith(BOM)) line = line.slice(1);
    this.#firstLine = false;
    return line;
  }
}

function joinChunks(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
