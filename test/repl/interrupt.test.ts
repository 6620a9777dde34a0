import { afterEach, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { InterruptedError, watchInterrupt } from "../../src/repl/interrupt.ts";
import { TmuxSession } from "../helpers/tmux.ts";

const FIXTURE = new URL("./fixtures/interrupt-demo.ts", import.meta.url).pathname;

/** Just enough of a TTY stdin to see what watchInterrupt does to it. */
class FakeTty extends EventEmitter {
  isTTY = true;
  raw = false;
  flowing = false;
  setRawMode(mode: boolean) {
    this.raw = mode;
  }
  resume() {
    this.flowing = true;
  }
  pause() {
    this.flowing = false;
  }
}

describe("watchInterrupt with a fake terminal", () => {
  test("Ctrl-C aborts with InterruptedError; other bytes do not", () => {
    const input = new FakeTty();
    const signals = new EventEmitter();
    const controller = new AbortController();
    const dispose = watchInterrupt(controller, input, signals);
    expect(input.raw).toBe(true);
    expect(input.flowing).toBe(true);

    input.emit("data", new TextEncoder().encode("typed ahead\r"));
    expect(controller.signal.aborted).toBe(false);
    input.emit("data", new Uint8Array([0x61, 0x03]));
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBeInstanceOf(InterruptedError);

    dispose();
    expect(input.raw).toBe(false);
    expect(input.flowing).toBe(false);
    expect(input.listenerCount("data")).toBe(0);
    expect(signals.listenerCount("SIGINT")).toBe(0);
    dispose();
  });

  test("SIGINT aborts too; without a terminal stdin is left alone", () => {
    const input = new FakeTty();
    input.isTTY = false;
    const signals = new EventEmitter();
    const controller = new AbortController();
    const dispose = watchInterrupt(controller, input, signals);
    expect(input.raw).toBe(false);
    expect(input.listenerCount("data")).toBe(0);
    signals.emit("SIGINT");
    expect(controller.signal.reason).toBeInstanceOf(InterruptedError);
    dispose();
    expect(signals.listenerCount("SIGINT")).toBe(0);
  });

  test("after the disposer, Ctrl-C no longer aborts", () => {
    const input = new FakeTty();
    const controller = new AbortController();
    watchInterrupt(controller, input, new EventEmitter())();
    input.emit("data", new Uint8Array([0x03]));
    expect(controller.signal.aborted).toBe(false);
  });
});

describe("watchInterrupt in a real process", () => {
  let tmux: TmuxSession | undefined;
  afterEach(async () => {
    await tmux?.kill();
    tmux = undefined;
  });

  test("on a terminal, Ctrl-C aborts the job, raw mode is undone and the program ends normally", async () => {
    tmux = await TmuxSession.start({ command: [process.execPath, FIXTURE] });
    await tmux.waitFor("job running");
    await tmux.sendText("typed during the job");
    await tmux.sendKeys("C-c");
    const screen = await tmux.waitFor("raw after dispose");
    expect(screen).toContain("aborted: InterruptedError");
    expect(screen).toContain("raw after dispose: false");
    // Raw mode: the keys typed during the job were not echoed.
    expect(screen).not.toContain("typed during the job");
    expect(await tmux.waitForExit()).toBe(0);
  });

  test("with piped stdin, SIGINT aborts the job and the program ends normally", async () => {
    const proc = Bun.spawn([process.execPath, FIXTURE], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    const reader = proc.stdout.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("job running");
    proc.kill("SIGINT");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(await proc.exited).toBe(0);
    expect(rest).toContain("aborted: InterruptedError");
    expect(rest).toContain("raw after dispose: no tty");
  });
});
