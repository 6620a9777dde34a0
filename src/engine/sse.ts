/**
 * A server-sent-events response the engine writes to without ever waiting for the reader: a turn
 * runs at the model's pace whatever the client does. What a client has not read piles up in the
 * stream; past MAX_UNREAD_BYTES the client is taken for gone and its stream is cut (`onOverflow`).
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

export interface EventStream {
  readonly response: Response;
  /** False once the client went away or the stream was closed. */
  readonly open: boolean;
  send(event: string, data: unknown): void;
  /** A raw `data:` line (the OpenAI routes send their chunks and `[DONE]` this way). */
  data(text: string): void;
  close(): void;
}

export function eventStream(
  options: { onGone?: () => void; headers?: Record<string, string> } = {},
): EventStream {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let open = true;
  const gone = () => {
    if (!open) return;
    open = false;
    options.onGone?.();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      cancel: gone,
    },
    // Counted in bytes, so desiredSize is minus the bytes the client has not taken yet.
    { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
  );
  const push = (text: string) => {
    if (!open || !controller) return;
    if ((controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
      controller.error(new Error("client not reading"));
      gone();
      return;
    }
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      gone();
    }
  };
  return {
    response: new Response(stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        ...options.headers,
      },
    }),
    get open() {
      return open;
    },
    send: (event, data) => push(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    data: (text) => push(`data: ${text}\n\n`),
    close() {
      if (!open) return;
      open = false;
      try {
        controller?.close();
      } catch {
        // Already errored by an overflow: nothing left to close.
      }
    },
  };
}

/** Reads server-sent events from a response body: each `{event, data}` as it arrives. */
export async function* readEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) yield { event, data: data.join("\n") };
    }
  }
}
