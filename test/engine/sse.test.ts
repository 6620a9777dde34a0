import { describe, expect, test } from "bun:test";
import { eventStream, MAX_UNREAD_BYTES, readEvents } from "../../src/engine/sse.ts";

describe("the engine's event streams", () => {
  test("a reader gets each event whole, in order", async () => {
    const stream = eventStream();
    stream.send("queued", { position: 2 });
    stream.send("answer", { text: "two\nlines" });
    stream.data("[DONE]");
    stream.close();
    const got: { event: string; data: string }[] = [];
    for await (const event of readEvents(stream.response.body!)) got.push(event);
    expect(got).toEqual([
      { event: "queued", data: '{"position":2}' },
      { event: "answer", data: '{"text":"two\\nlines"}' },
      { event: "message", data: "[DONE]" },
    ]);
  });

  test("writing never waits for a client that does not read; past the cap the client is dropped", () => {
    let gone = 0;
    const stream = eventStream({ onGone: () => gone++ });
    const chunk = "x".repeat(64 * 1024);
    // Nobody reads: every send returns at once, until the unread bytes pass the cap.
    for (let i = 0; i * chunk.length <= MAX_UNREAD_BYTES + 2 * chunk.length; i++)
      stream.send("answer", { text: chunk });
    expect(stream.open).toBe(false);
    expect(gone).toBe(1);
    stream.send("answer", { text: "after" });
    expect(gone).toBe(1);
  });
});
