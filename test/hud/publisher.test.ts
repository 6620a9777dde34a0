import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { bootEmber } from "../../src/boot.ts";
import {
  HUD_BEAT_OPTION,
  HUD_FACTS_OPTION,
  HUD_LEADER_OPTION,
  HUD_OPTION,
  type HudPublisher,
  startHudPublisher,
} from "../../src/hud/publisher.ts";
import { emberEnv, MAIN } from "../helpers/ember-cli.ts";
import type { TmuxSession } from "../helpers/tmux.ts";
import { controlClientPids, globalOption, tmuxServer } from "./fixtures/tmux-server.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "publish.ts");
const vaults: string[] = [];
const publishers: HudPublisher[] = [];
const children: ReturnType<typeof Bun.spawn>[] = [];
let server: TmuxSession | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const publisher of publishers.splice(0)) await publisher.stop();
  await server?.kill();
  server = undefined;
});
afterAll(() => {
  for (const vault of vaults) rmSync(vault, { recursive: true, force: true });
});

/** A vault whose config refreshes the HUD every second, so a dead leader goes stale in 3 s. */
function fastVault(): { vault: string; env: Record<string, string> } {
  const vault = mkdtempSync(join(tmpdir(), "ember-hud-"));
  vaults.push(vault);
  mkdirSync(join(vault, "config"), { recursive: true });
  writeFileSync(join(vault, "config", "hud.yml"), "hud:\n  refreshSeconds: 1\n");
  return { vault, env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent", LLAMA_CPP_THREADS: "1" } };
}

async function bootedApp(): Promise<{ app: App; booted: Promise<void>; env: Record<string, string> }> {
  const { vault, env } = fastVault();
  const { app, agentsDone } = bootEmber({ env, cwd: vault });
  await agentsDone;
  return { app, booted: agentsDone, env };
}

async function publisherIn(
  tmuxEnv: Record<string, string>,
  id: string,
): Promise<{ publisher: HudPublisher; app: App; env: Record<string, string> }> {
  const { app, booted, env } = await bootedApp();
  const publisher = startHudPublisher({ app, booted, env: { ...process.env, ...tmuxEnv }, id });
  publishers.push(publisher);
  await publisher.flush();
  return { publisher, app, env };
}

describe("the HUD publisher in a real tmux server", () => {
  test("sets @ember_hud with this REPL's state, and pushes a change at once", async () => {
    const { tmux, env } = await tmuxServer();
    server = tmux;
    const { publisher } = await publisherIn(env, "solo");
    const first = await globalOption(tmux, HUD_OPTION);
    expect(first).toContain("test");
    expect(first).toContain("#[fg=colour244]no model#[fg=default]");
    // The boot agents have reported: health is no longer "starting".
    expect(first).toMatch(/\](ok|degraded|failed)#\[/);
    expect(first).toMatch(/\d\d:\d\d$/);
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("solo");

    publisher.update({ model: { state: "loading", name: "tiny" } });
    await publisher.flush();
    expect(await globalOption(tmux, HUD_OPTION)).toContain("#[fg=yellow]loading tiny#[fg=default]");
    publisher.update({ model: { state: "ready", name: "tiny" }, lastTurnTokensPerSecond: 7.25 });
    await publisher.flush();
    const ready = await globalOption(tmux, HUD_OPTION);
    expect(ready).toContain("#[fg=green]tiny#[fg=default]");
    expect(ready).toContain("7.3 tok/s");
    expect(JSON.parse(await globalOption(tmux, HUD_FACTS_OPTION))).toEqual({
      model: { state: "ready", name: "tiny" },
      lastTurnTokensPerSecond: 7.25,
    });

    // `ember hud` in a pane of this server prints what this REPL shows, with its model and speed.
    const hud = Bun.spawn([process.execPath, MAIN, "hud"], {
      env: { ...emberEnv(fastVault().vault), ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    const printed = await new Response(hud.stdout).text();
    expect(await hud.exited).toBe(0);
    expect(printed).toMatch(/^test \| .* \| tiny \| 7\.3 tok\/s \| mem /);
  });

  test("many refreshes, one tmux client process", async () => {
    const { tmux, env } = await tmuxServer();
    server = tmux;
    const { publisher } = await publisherIn(env, "counter");
    const pid = publisher.status().clientPid;
    const beats = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await publisher.flush();
      beats.add(await globalOption(tmux, HUD_BEAT_OPTION));
      if (i % 5 === 4) publisher.update({ lastTurnTokensPerSecond: i });
    }
    expect(beats.size).toBeGreaterThan(1);
    expect(publisher.status()).toMatchObject({
      active: true,
      connected: true,
      connections: 1,
      clientPid: pid,
    });
    expect(await controlClientPids(tmux)).toEqual([pid ?? -1]);
  });

  test("two publishers: only the leader writes; when it dies the other takes over", async () => {
    const { tmux, env } = await tmuxServer();
    server = tmux;
    const { publisher: a } = await publisherIn(env, "A");
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("A");

    // B starts later and claims the HUD, as a REPL the operator just opened does.
    const { env: bEnv } = fastVault();
    const b = Bun.spawn([process.execPath, FIXTURE, "B"], {
      env: { ...process.env, ...bEnv, ...env },
      stdout: "pipe",
      stderr: "inherit",
    });
    children.push(b);
    const reader = b.stdout.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain("published");
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("B");

    // A's periodic refresh leaves B's beat and line alone.
    const beat = await globalOption(tmux, HUD_BEAT_OPTION);
    await tmux.tmux(["set", "-g", HUD_OPTION, "written by B"]);
    await a.flush();
    await a.flush();
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("B");
    expect(await globalOption(tmux, HUD_OPTION)).toBe("written by B");
    expect(Number(await globalOption(tmux, HUD_BEAT_OPTION))).toBeGreaterThanOrEqual(Number(beat));

    // B dies without handing over; once its beat is 3 refreshes old, A's refresh takes over.
    b.kill("SIGKILL");
    await b.exited;
    let leader = "B";
    for (let tries = 0; leader !== "A" && tries < 200; tries++) {
      await Bun.sleep(100);
      await a.flush();
      leader = await globalOption(tmux, HUD_LEADER_OPTION);
    }
    expect(leader).toBe("A");
    expect(await globalOption(tmux, HUD_OPTION)).toContain("no model");
    // B's control client went with it (its stdin closed): only A's is left.
    expect(await controlClientPids(tmux)).toEqual([a.status().clientPid ?? -1]);
  });

  test("a leader that stops hands over at once: the options are cleared and the next refresh takes them", async () => {
    const { tmux, env } = await tmuxServer();
    server = tmux;
    const { publisher: a } = await publisherIn(env, "A");
    const { publisher: b } = await publisherIn(env, "B");
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("B");
    await b.stop();
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("");
    expect(await globalOption(tmux, HUD_OPTION)).toBe("");
    // No waiting for a stale beat: A's very next refresh writes.
    await a.flush();
    expect(await globalOption(tmux, HUD_LEADER_OPTION)).toBe("A");
    expect(await globalOption(tmux, HUD_OPTION)).toContain("no model");
    await a.stop();
    expect(await globalOption(tmux, HUD_OPTION)).toBe("");
    expect(await controlClientPids(tmux)).toEqual([]);
  });

  test("a tmux server that goes away costs no process per refresh", async () => {
    const { tmux, env } = await tmuxServer();
    server = tmux;
    const { publisher } = await publisherIn(env, "orphan");
    await tmux.kill();
    for (let i = 0; i < 10; i++) await publisher.flush();
    const status = publisher.status();
    expect(status.connected).toBe(false);
    expect(status.problem).toMatch(/tmux/);
    // The first refresh after the loss may try once; the rest wait for the backoff.
    expect(status.connections).toBeLessThanOrEqual(2);
  });

  test("outside tmux the publisher does nothing", async () => {
    const { app, booted } = await bootedApp();
    const publisher = startHudPublisher({ app, booted, env: { PATH: process.env.PATH ?? "" } });
    publisher.update({ model: { state: "ready", name: "x" } });
    await publisher.flush();
    expect(publisher.status()).toEqual({ active: false, connected: false, connections: 0 });
    await publisher.stop();
  });
});
