import { afterEach, describe, expect, test } from "bun:test";
import {
  quoteTmuxArgument,
  TmuxControlClient,
  TmuxControlError,
  tmuxLocationFromEnv,
} from "../../src/hud/tmux.ts";
import type { TmuxSession } from "../helpers/tmux.ts";
import { controlClientPids, globalOption, tmuxServer } from "./fixtures/tmux-server.ts";

let server: TmuxSession | undefined;
const clients: TmuxControlClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await server?.kill();
  server = undefined;
});

async function connect(): Promise<{ client: TmuxControlClient; tmux: TmuxSession }> {
  const { tmux, env } = await tmuxServer();
  server = tmux;
  const location = tmuxLocationFromEnv(env);
  if (!location) throw new Error("no location");
  const client = TmuxControlClient.connect({ location });
  clients.push(client);
  return { client, tmux };
}

describe("tmuxLocationFromEnv", () => {
  test("socket from $TMUX, the pane from $TMUX_PANE, else the session id", () => {
    expect(tmuxLocationFromEnv({ TMUX: "/tmp/tmux-0/default,123,4", TMUX_PANE: "%7" })).toEqual({
      socket: "/tmp/tmux-0/default",
      target: "%7",
    });
    expect(tmuxLocationFromEnv({ TMUX: "/tmp/odd,name/sock,123,4" })).toEqual({
      socket: "/tmp/odd,name/sock",
      target: "$4",
    });
  });

  test("outside tmux there is nothing to publish to", () => {
    expect(tmuxLocationFromEnv({})).toBeUndefined();
    expect(tmuxLocationFromEnv({ TMUX: "" })).toBeUndefined();
    expect(tmuxLocationFromEnv({ TMUX: "garbage" })).toBeUndefined();
  });
});

describe("TmuxControlClient against a real tmux server", () => {
  test("runs commands and returns what they print", async () => {
    const { client } = await connect();
    expect((await client.run('display-message -p "#{session_name}"')).output).toEqual(["test"]);
    expect((await client.run("set -g @a 1 ; set -g @b 2")).output).toEqual([]);
    expect((await client.run("show -gv @a ; show -gv @b")).output).toEqual(["1", "2"]);
  });

  test("what tmux refuses rejects with its message, and the client stays usable", async () => {
    const { client } = await connect();
    const failed = client.run("no-such-command");
    await expect(failed).rejects.toBeInstanceOf(TmuxControlError);
    await expect(failed).rejects.toThrow("unknown command: no-such-command");
    expect((await client.run("display-message -p ok")).output).toEqual(["ok"]);
  });

  test("a quoted argument reaches tmux unchanged, whatever it holds", async () => {
    const { client, tmux } = await connect();
    const nasty = `~/x "q" 'a' \\b $HOME ; {brace} #[fg=red]## %H é ${"\u{1F525}"}`;
    await client.run(`set -g @nasty ${quoteTmuxArgument(nasty)}`);
    expect(await globalOption(tmux, "@nasty")).toBe(nasty);
    await client.run(`set -g @nl ${quoteTmuxArgument("one\ntwo")}`);
    expect(await globalOption(tmux, "@nl")).toBe("one two");
  });

  test("one process, however many commands; it attaches without output and without taking a size", async () => {
    const { client, tmux } = await connect();
    for (let i = 0; i < 25; i++) await client.run(`set -g @n ${i}`);
    expect(await globalOption(tmux, "@n")).toBe("24");
    expect(await controlClientPids(tmux)).toEqual([client.pid]);
    const flags = await tmux.tmux(["list-clients", "-F", "#{client_flags}"]);
    expect(flags).toContain("no-output");
    expect(flags).toContain("ignore-size");
  });

  test("closing detaches: the server has no control client left", async () => {
    const { client, tmux } = await connect();
    await client.run("display-message -p hi");
    await client.close();
    expect(client.closed).toBe(true);
    expect(await controlClientPids(tmux)).toEqual([]);
    await expect(client.run("display-message -p again")).rejects.toBeInstanceOf(TmuxControlError);
  });

  test("a server that is not there: the first command rejects, saying why", async () => {
    const client = TmuxControlClient.connect({
      location: { socket: "/nonexistent/tmux-socket", target: "$0" },
    });
    clients.push(client);
    await expect(client.run("display-message -p hi")).rejects.toThrow(/tmux control client exited/);
  });
});
