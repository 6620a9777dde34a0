import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TurnWaitEvents } from "../../src/engine/api.ts";
import { runEmber, tempVault } from "../helpers/ember-cli.ts";
import { eventually, type ServedEngine, serveEngine, writeEngineConfig } from "../helpers/engine.ts";
import { tinyModelPath } from "../helpers/models.ts";
import { collectOutput } from "../helpers/subprocess.ts";

const LLAMA_IMPORT_PROBE = join(import.meta.dir, "..", "helpers", "llama-import-probe.ts");

let engine: ServedEngine;
let port: number;
let tokenFile: string;
let token: string;

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

beforeAll(async () => {
  const vault = tempVault();
  writeFileSync(
    join(vault, "README.md"),
    "# Node\n\nThis node runs Ember; /status says whether it is healthy.\n",
  );
  port = freePort();
  writeEngineConfig(vault, { listen: `127.0.0.1:${port}`, idleMinutes: 0 });
  const init = await runEmber(["serve", "--init-token"], { vault });
  expect(init.code).toBe(0);
  tokenFile = init.stdout.trim();
  token = readFileSync(tokenFile, "utf8").trim();
  // Room for a few turns: switching must have a conversation to bring back, not one already erased.
  // 8192: the tiny model reads about a token a character, and the pane-switching test needs two
  // turns of one conversation to fit without erasing (a random plan may run /agents, which is long).
  engine = await serveEngine(vault, { LLAMA_CPP_MODEL: tinyModelPath(), LLAMA_CPP_CONTEXT: "8192" });
});

afterAll(async () => {
  await engine?.stop();
  rmSync(engine.vault, { recursive: true, force: true });
  rmSync(engine.tmp, { recursive: true, force: true });
});

async function curl(args: string[], asUser?: number) {
  const argv = ["curl", "-sS", "--max-time", "20", ...args];
  const proc = Bun.spawn(
    asUser === undefined
      ? argv
      : ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups", ...argv],
    { stdout: "pipe", stderr: "pipe" },
  );
  return collectOutput(proc);
}

describe("ember serve --init-token", () => {
  test("creates the token file 0600 and prints its path; a second run keeps it", async () => {
    expect(tokenFile).toBe(join(engine.vault, "state", "engine.token"));
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(token.length).toBeGreaterThanOrEqual(32);
    const again = await runEmber(["serve", "--init-token"], { vault: engine.vault });
    expect(again.stdout.trim()).toBe(tokenFile);
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(token);
  });
});

describe("the engine's Unix socket", () => {
  test("lives in a 0700 folder as a 0600 socket; curl --unix-socket reads the status", async () => {
    expect(statSync(dirname(engine.socket)).mode & 0o777).toBe(0o700);
    expect(statSync(engine.socket).mode & 0o777).toBe(0o600);
    const { stdout, code } = await curl(["--unix-socket", engine.socket, "http://engine/v1/status"]);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status.pid).toBe(engine.proc.pid);
    expect(status.vault).toBe(engine.vault);
  });

  // Bun cuts a connection idle for 10 s even mid-response, checked on 4-second ticks: a stream
  // silent from its start is cut at 12 s at the latest. So 13 s of silence fails without
  // `idleTimeout: 0`; there is no shorter honest wait, as Bun's default cannot be lowered from outside.
  test("a stream silent for 13 s stays open past Bun's idle timeout (an idle REPL's events)", async () => {
    await eventually("the model", async () => (await engine.client.status()).model.state === "ready");
    const states: number[] = [];
    const stop = engine.client.watch((status) => states.push(status.clients));
    await eventually("the first state", () => states.length > 0);
    await Bun.sleep(13_000);
    // Nothing changed meanwhile: the stream really was silent.
    expect(states).toHaveLength(1);
    // Another client comes: the first stream still hears about it.
    const other = engine.client.watch(() => {});
    const deadline = Date.now() + 5000;
    while (states.length < 2 && Date.now() < deadline) await Bun.sleep(20);
    stop();
    other();
    expect(states[1]).toBe(states[0]! + 1);
  }, 30_000);

  test("another user's process cannot connect", async () => {
    const { code, stdout, stderr } = await curl(
      ["--unix-socket", engine.socket, "http://engine/v1/status"],
      65534,
    );
    expect(code).toBe(7);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/Permission denied|Couldn't connect/);
  });
});

describe("clients of the engine", () => {
  test("ember ask is answered by the engine, which keeps its conversation; ember status shows the engine", async () => {
    const asked = await runEmber(["ask", "--json", "is the node healthy?"], {
      vault: engine.vault,
      env: engine.env(),
    });
    expect(asked.stderr).toBe("");
    expect(asked.code).toBe(0);
    expect(typeof JSON.parse(asked.stdout).response).toBe("string");
    const conversations = await engine.client.conversations();
    expect(conversations.some((c) => c.lastQuestion === "is the node healthy?" && c.turns === 1)).toBe(true);

    const status = await runEmber(["status"], { vault: engine.vault, env: engine.env() });
    expect(status.stdout).toMatch(new RegExp(`pid\\s+${engine.proc.pid}\\s+up \\d+`));
    expect(status.stdout).toMatch(/model\s+Ember Tiny Test Model\s+1 threads, context 8192/);
    expect(status.stdout).toMatch(/clients\s+\d+/);
    expect(status.stdout).toMatch(/queue\s+idle/);
    const json = JSON.parse(
      (await runEmber(["status", "--json"], { vault: engine.vault, env: engine.env() })).stdout,
    );
    expect(json.engine.pid).toBe(engine.proc.pid);
    expect(json.engine.model.state).toBe("ready");
  });

  test("ember hud shows the engine's model, though the hud process loads none", async () => {
    const hud = await runEmber(["hud", "--json"], { vault: engine.vault, env: engine.env() });
    expect(JSON.parse(hud.stdout).model).toEqual({ state: "ready", name: "Ember Tiny Test Model" });
    const without = await runEmber(["hud", "--json"], {
      vault: engine.vault,
      env: engine.env({ EMBER_ENGINE: "off" }),
    });
    expect(JSON.parse(without.stdout).model).toEqual({ state: "none" });
  });

  test("a REPL and ember ask attached to the engine never load node-llama-cpp; ember status does", async () => {
    const mark = join(engine.tmp, "llama-imports");
    const probe = { BUN_OPTIONS: `--preload ${LLAMA_IMPORT_PROBE}`, LLAMA_IMPORT_PROBE: mark };
    const asked = await runEmber(["ask", "--json", "what runs here?"], {
      vault: engine.vault,
      env: engine.env(probe),
    });
    expect(asked.stderr).toBe("");
    expect(typeof JSON.parse(asked.stdout).response).toBe("string");
    const repl = await runEmber([], {
      vault: engine.vault,
      env: engine.env(probe),
      stdin: "and the model?\n",
    });
    expect(repl.code).toBe(0);
    expect((await engine.client.conversations()).some((c) => c.lastQuestion === "and the model?")).toBe(true);
    expect(existsSync(mark)).toBe(false);
    // The probe does see a process that loads it: `ember status` checks the llama addon itself.
    await runEmber(["status"], { vault: engine.vault, env: engine.env(probe) });
    expect(readFileSync(mark, "utf8")).toMatch(/^\d+ status\n$/);
  });

  test("ember search goes through the engine's index", async () => {
    const found = await runEmber(["search", "--json", "healthy"], { vault: engine.vault, env: engine.env() });
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout).hits[0].path).toBe("README.md");
  });
});

describe("many conversations, one model", () => {
  test("turns run one at a time in arrival order; the waiting one is told its place", async () => {
    const log: string[] = [];
    const events = (name: string): TurnWaitEvents => ({
      onQueued: (position) => log.push(`${name} queued ${position}`),
      onStarted: () => log.push(`${name} started`),
    });
    const [a, b] = [await engine.client.newConversation(), await engine.client.newConversation()];
    const first = engine.client.ask(a, "what runs on this node?", { events: events("a") }).then((r) => {
      log.push("a done");
      return r;
    });
    // The second arrives once the first runs, so the order is known.
    while (!log.includes("a started")) await Bun.sleep(5);
    const second = engine.client.ask(b, "and is it healthy?", { events: events("b") }).then((r) => {
      log.push("b done");
      return r;
    });
    const [one, two] = await Promise.all([first, second]);
    expect(one.stopped).toBeUndefined();
    expect(two.stopped).toBeUndefined();
    expect(two.question).toBe("and is it healthy?");
    expect(log).toEqual(["a started", "b queued 1", "a done", "b started", "b done"]);
  });

  test("switching panes: a conversation's context waits aside and comes back, not evaluated again", async () => {
    const [a, b] = [await engine.client.newConversation(), await engine.client.newConversation()];
    const a1 = await engine.client.ask(a, "what runs on this node?");
    await engine.client.ask(b, "is it healthy?");
    const a2 = await engine.client.ask(a, "and what else?");
    // The sequence held b's context; a's came back from its saved state whole: a2 evaluated only
    // the tokens it added itself (its question, excerpts, plan), none of a1's again.
    const t = a2.timings;
    expect(t.droppedTokens).toBe(0);
    const added = t.contextTokens - (a1.timings.contextTokens - t.droppedTokens) - t.generatedTokens;
    expect(t.evaluatedTokens).toBeLessThanOrEqual(added + 1);
    const switches = readFileSync(join(engine.vault, "logs", "ember.log"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"sequence switch"'))
      .map((line) => JSON.parse(line) as { from: string; to: string; restored: boolean });
    expect(switches).toContainEqual(expect.objectContaining({ from: b, to: a, restored: true }));
  });

  test("cancelling a queued turn takes only it out of line", async () => {
    const [a, b, c] = [
      await engine.client.newConversation(),
      await engine.client.newConversation(),
      await engine.client.newConversation(),
    ];
    const log: string[] = [];
    const cancelB = new AbortController();
    const first = engine.client.ask(a, "first question", {
      events: { onStarted: () => log.push("a started") },
    });
    while (!log.includes("a started")) await Bun.sleep(5);
    const second = engine.client.ask(b, "second question", {
      signal: cancelB.signal,
      events: { onQueued: (p) => log.push(`b queued ${p}`) },
    });
    const third = engine.client.ask(c, "third question", {
      events: { onQueued: (p) => log.push(`c queued ${p}`), onStarted: () => log.push("c started") },
    });
    while (!log.includes("c queued 2")) await Bun.sleep(5);
    cancelB.abort(new Error("Ctrl-C"));
    await expect(second).rejects.toThrow("Ctrl-C");
    const [one, three] = await Promise.all([first, third]);
    expect(one.stopped).toBeUndefined();
    expect(three.question).toBe("third question");
    expect(log).toContain("c started");
    const byId = new Map((await engine.client.conversations()).map((x) => [x.id, x.turns]));
    expect([byId.get(a), byId.get(b), byId.get(c)]).toEqual([1, 0, 1]);
    expect((await engine.client.status()).queue).toEqual({ waiting: [] });
  });
});

describe("prefill while typing, over the socket", () => {
  /** The engine's log lines with this message, parsed. */
  function logged(message: string): Record<string, unknown>[] {
    const lines = readFileSync(join(engine.vault, "logs", "ember.log"), "utf8")
      .trim()
      .split("\n");
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === message);
  }
  async function until(probe: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error("timed out");
      await Bun.sleep(20);
    }
  }
  const route = (id: string) => `http://engine/v1/conversations/${id}/prefill`;

  test("the line typed so far is evaluated in the background and the turn keeps it; a drop erases it", async () => {
    while ((await engine.client.status()).model.state !== "ready") await Bun.sleep(50);
    const id = await engine.client.newConversation();
    const before = logged("prefill").length;
    const sent = await curl([
      "--unix-socket",
      engine.socket,
      "-d",
      '{"text":"what runs on this node and is it"}',
      route(id),
    ]);
    expect(JSON.parse(sent.stdout)).toEqual({ accepted: true });
    await until(() => logged("prefill").length > before);
    const result = await engine.client.ask(id, "what runs on this node and is it healthy?");
    expect(result.stopped).toBeUndefined();
    const settled = logged("prefill settled").at(-1)!;
    expect(settled.owner).toBe(id);
    expect(Number(settled.heldTokens)).toBeGreaterThan(0);

    const dropped = logged("prefill dropped").length;
    await curl(["--unix-socket", engine.socket, "-d", '{"text":"and the antenna"}', route(id)]);
    await until(() => logged("prefill").length > before + 1);
    const drop = await curl(["--unix-socket", engine.socket, "-X", "DELETE", route(id)]);
    expect(JSON.parse(drop.stdout)).toEqual({ dropped: true });
    expect(logged("prefill dropped").length).toBe(dropped + 1);
  });

  test("an unknown conversation is 404, an empty line 400", async () => {
    const unknown = await curl([
      "--unix-socket",
      engine.socket,
      "-w",
      "%{http_code}",
      "-d",
      '{"text":"x"}',
      route("nope"),
    ]);
    expect(unknown.stdout).toEndWith("404");
    const id = await engine.client.newConversation();
    const empty = await curl([
      "--unix-socket",
      engine.socket,
      "-w",
      "%{http_code}",
      "-d",
      '{"text":"  "}',
      route(id),
    ]);
    expect(empty.stdout).toBe('{"error":"text: empty"}400');
  });
});

describe("the OpenAI-compatible API over TCP (127.0.0.1)", () => {
  const base = () => `http://127.0.0.1:${port}`;
  const auth = () => ({ authorization: `Bearer ${token}` });
  const chat = (body: unknown, headers: Record<string, string> = auth()) =>
    fetch(`${base()}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const messages = [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Say hello." },
  ];

  test("without the token (or with a wrong one) every route is 401", async () => {
    expect((await fetch(`${base()}/v1/models`)).status).toBe(401);
    expect((await fetch(`${base()}/v1/status`)).status).toBe(401);
    expect((await chat({ messages }, { authorization: "Bearer nope" })).status).toBe(401);
    const curlNoToken = await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base()}/v1/models`]);
    expect(curlNoToken.stdout).toBe("401");
  });

  test("GET /v1/models names the node's model; curl with the token works", async () => {
    const { stdout } = await curl(["-H", `Authorization: Bearer ${token}`, `${base()}/v1/models`]);
    const models = JSON.parse(stdout);
    expect(models.object).toBe("list");
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(["tiny-l2-e64-s1-f32"]);
  });

  test("POST /v1/chat/completions answers whole, and streamed as chunks ending in [DONE]", async () => {
    const whole = await chat({ messages, max_tokens: 16, temperature: 0 });
    expect(whole.status).toBe(200);
    const body = (await whole.json()) as {
      object: string;
      choices: { message: { role: string; content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.role).toBe("assistant");
    expect(typeof body.choices[0]?.message.content).toBe("string");
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(16);

    const streamed = await chat({ messages, max_tokens: 16, temperature: 0, stream: true });
    expect(streamed.headers.get("content-type")).toContain("text/event-stream");
    const lines = (await streamed.text()).split("\n").filter((l) => l.startsWith("data: "));
    expect(lines.at(-1)).toBe("data: [DONE]");
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)));
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks.at(-1).choices[0].finish_reason).toMatch(/^(stop|length)$/);
    const text = chunks.map((c) => c.choices[0].delta.content ?? "").join("");
    expect(text).toBe(body.choices[0]?.message.content ?? "(none)");
  });

  test("bad and oversized bodies are refused before they reach the model", async () => {
    const bad = await chat({ messages: [] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("messages");
    const huge = await chat({ messages: [{ role: "user", content: "x".repeat(300 * 1024) }] });
    expect(huge.status).toBe(413);
  });
});
