import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { NetworkInterfaceInfo } from "node:os";
import { join } from "node:path";
import {
  checkTcp,
  choosePrimaryInterface,
  createNetworkAgent,
  listInterfaces,
  networkAgent,
  parseResolvConf,
} from "../../src/agents/network.ts";
import { tempDir, testConfig, testContext } from "./context.ts";

const root = tempDir("ember-network-");
const resolvConf = join(root.dir, "resolv.conf");
writeFileSync(
  resolvConf,
  "# written by dhcp\nnameserver 10.0.0.1\nnameserver 10.0.0.2 ; backup\nsearch lan\n",
);

let server: Server;
let openPort = 0;
let closedPort = 0;

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  openPort = (server.address() as { port: number }).port;
  // A port that was just free and is now closed again: connecting is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(() => {
  server.close();
  root.cleanup();
});

const iface = (address: string, internal = false, family: "IPv4" | "IPv6" = "IPv4"): NetworkInterfaceInfo =>
  ({
    address,
    netmask: "255.255.255.0",
    family,
    mac: "02:00:00:00:00:01",
    internal,
    cidr: `${address}/24`,
    ...(family === "IPv6" ? { scopeid: 0 } : {}),
  }) as NetworkInterfaceInfo;

const fakeInterfaces = {
  lo: [iface("127.0.0.1", true)],
  docker0: [iface("172.17.0.1")],
  wlan0: [iface("192.168.1.20")],
  eth0: [iface("fe80::1", false, "IPv6")],
};

describe("parseResolvConf", () => {
  test("reads nameservers in order, ignoring comments; the last search/domain line wins", () => {
    const text = [
      "# comment",
      "; another comment",
      "domain home.arpa",
      "nameserver 192.168.1.1",
      "  nameserver   1.1.1.1   # trailing",
      "options ndots:2",
      "search corp.example lab.example",
      "nameserver",
    ].join("\n");
    expect(parseResolvConf(text)).toEqual({
      nameservers: ["192.168.1.1", "1.1.1.1"],
      search: ["corp.example", "lab.example"],
    });
  });

  test("an empty file has no servers", () => {
    expect(parseResolvConf("")).toEqual({ nameservers: [], search: [] });
  });
});

describe("choosePrimaryInterface", () => {
  const interfaces = listInterfaces(fakeInterfaces);

  test("prefers the configured names in order, when they have an address", () => {
    expect(choosePrimaryInterface(interfaces, ["eth0", "wlan0"])?.name).toBe("eth0");
    expect(choosePrimaryInterface(interfaces, ["end0", "wlan0"])?.name).toBe("wlan0");
  });

  test("falls back to the first non-loopback interface with IPv4, never loopback", () => {
    expect(choosePrimaryInterface(interfaces, ["nothing"])?.name).toBe("docker0");
    expect(choosePrimaryInterface(listInterfaces({ lo: fakeInterfaces.lo }), ["lo"])).toBeUndefined();
  });

  test("with includeLoopback, loopback counts when nothing else is up (never before a real interface)", () => {
    const onlyLo = listInterfaces({ lo: fakeInterfaces.lo });
    expect(choosePrimaryInterface(onlyLo, [], true)?.name).toBe("lo");
    expect(choosePrimaryInterface(onlyLo, ["lo"], true)?.name).toBe("lo");
    expect(choosePrimaryInterface(interfaces, ["nothing"], true)?.name).toBe("docker0");
  });
});

describe("checkTcp", () => {
  test("a listening port on 127.0.0.1 is reachable", async () => {
    const result = await checkTcp("127.0.0.1", openPort, 2000);
    expect(result).toMatchObject({ host: "127.0.0.1", port: openPort, reachable: true });
    expect(typeof result.ms).toBe("number");
  });

  test("a closed port is unreachable with the reason", async () => {
    expect(await checkTcp("127.0.0.1", closedPort, 2000)).toEqual({
      host: "127.0.0.1",
      port: closedPort,
      reachable: false,
      error: "ECONNREFUSED",
    });
  });

  test("an aborted check answers at once", async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await checkTcp("127.0.0.1", openPort, 2000, controller.signal)).toMatchObject({
      reachable: false,
      error: "cancelled",
    });
  });
});

describe("network agent", () => {
  const agent = createNetworkAgent({ resolvConfPath: resolvConf, readInterfaces: () => fakeInterfaces });
  const withChecks = (checks: { host: string; port: number }[]) =>
    testContext(root.dir, {
      config: testConfig(root.dir, (c) => {
        c.agents.network.checks = checks;
        c.agents.network.preferredInterfaces = ["wlan0"];
      }),
    });

  test("ok when every check reaches its server; details list interfaces, primary, DNS and checks", async () => {
    const outcome = await agent.run(withChecks([{ host: "127.0.0.1", port: openPort }]));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toBe("wlan0 192.168.1.20, dns 10.0.0.1 10.0.0.2, 1/1 reachable");
    expect(outcome.details).toMatchObject({
      primary: "wlan0",
      dns: { file: resolvConf, nameservers: ["10.0.0.1", "10.0.0.2"], search: ["lan"] },
      checks: [{ host: "127.0.0.1", port: openPort, reachable: true }],
    });
    expect((outcome.details.interfaces as { name: string }[]).map((i) => i.name)).toEqual([
      "lo",
      "docker0",
      "wlan0",
      "eth0",
    ]);
  });

  test("a closed port makes it degraded, not failed", async () => {
    const outcome = await agent.run(
      withChecks([
        { host: "127.0.0.1", port: openPort },
        { host: "127.0.0.1", port: closedPort },
      ]),
    );
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toBe(`1/2 unreachable: 127.0.0.1:${closedPort} (ECONNREFUSED)`);
  });

  test("no interface but loopback is offline: degraded", async () => {
    const offline = createNetworkAgent({
      resolvConfPath: resolvConf,
      readInterfaces: () => ({ lo: fakeInterfaces.lo }),
    });
    const outcome = await offline.run(withChecks([]));
    expect(outcome).toMatchObject({
      status: "degraded",
      summary: "offline: no network interface with an address",
    });
  });

  test("a missing resolv.conf is reported in details, not an error", async () => {
    const noDns = createNetworkAgent({
      resolvConfPath: join(root.dir, "missing.conf"),
      readInterfaces: () => fakeInterfaces,
    });
    const outcome = await noDns.run(withChecks([]));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toBe("wlan0 192.168.1.20, no dns servers");
    expect((outcome.details.dns as { error: string }).error).toStartWith("not found (ENOENT");
  });

  test("a resolv.conf that cannot be capped (a FIFO) is reported the same way, at once", async () => {
    const fifo = join(root.dir, "fifo.conf");
    Bun.spawnSync(["mkfifo", fifo]);
    const outcome = await createNetworkAgent({
      resolvConfPath: fifo,
      readInterfaces: () => fakeInterfaces,
    }).run(withChecks([]));
    expect(outcome.summary).toBe("wlan0 192.168.1.20, no dns servers");
    expect((outcome.details.dns as { error: string }).error).toBe(`${fifo}: not a regular file`);
  });

  test("the built-in agent reads this machine's real interfaces", async () => {
    const outcome = await networkAgent.run(withChecks([]));
    expect(["ok", "degraded"]).toContain(outcome.status);
    expect((outcome.details.interfaces as { name: string }[]).some((i) => i.name === "lo")).toBe(true);
  });
});
