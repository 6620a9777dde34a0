/**
 * The extraction worker: parses one PDF, HTML or EPUB file at a time for the indexer, in a thread of
 * its own so a file that hangs a parser or swells its memory can be stopped by terminating the
 * thread (src/vault/extract/sandbox.ts), never taking the indexer with it.
 */
import { DocumentProblem } from "./document.ts";
import { extractDocument } from "./formats.ts";
import type { ExtractReply, ExtractRequest } from "./sandbox.ts";

declare const self: Worker;

self.onmessage = async (event: MessageEvent<ExtractRequest>) => {
  const { id, format, bytes, limits } = event.data;
  let reply: ExtractReply;
  try {
    reply = { id, parts: await extractDocument(format, bytes, limits) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply = {
      id,
      problem:
        error instanceof DocumentProblem
          ? message
          : `${format} parser failed (${message.split("\n")[0]!.slice(0, 120)})`,
    };
  }
  self.postMessage(reply);
};
