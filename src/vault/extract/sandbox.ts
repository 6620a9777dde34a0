/**
 * Runs the third-party parsers (PDF, HTML, EPUB) in a worker thread under a time limit and a memory
 * limit. A file that passes either is a problem for that file alone: the thread is terminated (its
 * memory goes with it) and the next file gets a fresh one.
 */
import { isCompiled } from "../../os/compiled.ts";
import { formatBytes } from "../../terminal/bytes.ts";
import { DocumentProblem, type ExtractedPart } from "./document.ts";
import type { DocumentFormat, ExtractLimits } from "./formats.ts";

export interface ExtractRequest {
  id: number;
  format: DocumentFormat;
  bytes: Uint8Array;
  limits: ExtractLimits;
}

export type ExtractReply = { id: number; parts: ExtractedPart[] } | { id: number; problem: string };

/** How often the process's memory is looked at while a file is parsed. */
const MEMORY_POLL_MS = 50;

/**
 * The worker's module: beside this file from source; inside the single-file binary, the second
 * entry scripts/build.ts embeds, named by its path from the bundle's root (the repository).
 */
function workerUrl(): string {
  return isCompiled() ? "./src/vault/extract/worker.ts" : new URL("./worker.ts", import.meta.url).href;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

export class ExtractionSandbox {
  #worker: Worker | null = null;
  #nextId = 1;

  /** The file's parts, or a DocumentProblem naming why it cannot be read. */
  extract(
    format: DocumentFormat,
    bytes: Uint8Array,
    limits: ExtractLimits,
    signal?: AbortSignal,
  ): Promise<ExtractedPart[]> {
    signal?.throwIfAborted();
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    const baseline = process.memoryUsage.rss();
    return new Promise<ExtractedPart[]>((resolve, reject) => {
      const settle = (outcome: () => void, stop: boolean) => {
        clearTimeout(timer);
        clearInterval(poll);
        worker.removeEventListener("message", onMessage);
        worker.removeEventListener("error", onError);
        signal?.removeEventListener("abort", onAbort);
        if (stop) this.#stop();
        outcome();
      };
      const fail = (problem: string) => settle(() => reject(new DocumentProblem(problem)), true);
      const overLimit = () => process.memoryUsage.rss() - baseline > limits.maxMemoryGrowthBytes;
      const failOverLimit = () =>
        fail(`needed more than ${formatBytes(limits.maxMemoryGrowthBytes)} of memory to read`);
      const onMessage = (event: MessageEvent<ExtractReply>) => {
        const reply = event.data;
        if (reply.id !== id) return;
        // A read quicker than one poll is held to the same limit as a slow one.
        if (overLimit()) failOverLimit();
        else if ("parts" in reply) settle(() => resolve(reply.parts), false);
        else settle(() => reject(new DocumentProblem(reply.problem)), false);
      };
      const onError = (event: ErrorEvent) => fail(`reader crashed (${event.message || "unknown error"})`);
      const onAbort = () => settle(() => reject(signal!.reason), true);
      const timer = setTimeout(
        () => fail(`took longer than ${formatMs(limits.timeoutMs)} to read`),
        limits.timeoutMs,
      );
      const poll = setInterval(() => {
        if (overLimit()) failOverLimit();
      }, MEMORY_POLL_MS);
      worker.addEventListener("message", onMessage);
      worker.addEventListener("error", onError);
      signal?.addEventListener("abort", onAbort, { once: true });
      const request: ExtractRequest = { id, format, bytes, limits };
      worker.postMessage(request);
    });
  }

  close(): void {
    this.#stop();
  }

  #start(): Worker {
    const worker = new Worker(workerUrl());
    // An idle reader must not keep a finished `ember index` alive.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #stop(): void {
    this.#worker?.terminate();
    this.#worker = null;
  }
}
