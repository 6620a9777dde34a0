import { connect } from "node:net";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { describeFsError } from "../fs/fs-error.ts";
import { readFileCapped, UnsafeFileError } from "../fs/safe-open.ts";
import type { Agent, AgentOutcome } from "./types.ts";

export interface InterfaceAddress {
  family: "IPv4" | "IPv6";
  address: string;
  cidr: string | null;
}

export interface InterfaceInfo {
  name: string;
  internal: boolean;
  mac: string;
  addresses: InterfaceAddress[];
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
}

export interface TcpCheckResult {
  host: string;
  port: number;
  reachable: boolean;
  /** Connect time when reachable. */
  ms?: number;
  error?: string;
}

export interface NetworkAgentOptions {
  /** Default /etc/resolv.conf. */
  resolvConfPath?: string;
  /** Default os.networkInterfaces. */
  readInterfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export const RESOLV_CONF = "/etc/resolv.conf";

export function listInterfaces(raw: NodeJS.Dict<NetworkInterfaceInfo[]>): InterfaceInfo[] {
  return Object.entries(raw).flatMap(([name, infos]) => {
    if (!infos || infos.length === 0) return [];
    return [
      {
        name,
        internal: infos.every((info) => info.internal),
        mac: infos[0]?.mac ?? "",
        addresses: infos.map((info) => ({
          family: info.family,
          address: info.address,
          cidr: info.cidr,
        })),
      },
    ];
  });
}

/**
 * The interface Ember calls "the network": the first of `preferred` that is up with an address,
 * else the first non-loopback interface with an IPv4 address, else (with `includeLoopback`) the
 * first loopback one.
 */
export function choosePrimaryInterface(
  interfaces: readonly InterfaceInfo[],
  preferred: readonly string[],
  includeLoopback = false,
): InterfaceInfo | undefined {
  const usable = (i: InterfaceInfo) => !i.internal || includeLoopback;
  for (const name of preferred) {
    const found = interfaces.find((i) => i.name === name && usable(i) && i.addresses.length > 0);
    if (found) return found;
  }
  const withIpv4 = (i: InterfaceInfo) => i.addresses.some((a) => a.family === "IPv4");
  return (
    interfaces.find((i) => !i.internal && withIpv4(i)) ??
    (includeLoopback ? interfaces.find((i) => i.internal && withIpv4(i)) : undefined)
  );
}

export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  const search: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    const [keyword, ...values] = line.split(/\s+/);
    if (keyword === "nameserver" && values[0]) nameservers.push(values[0]);
    // A later search or domain line replaces the earlier ones, as in resolv.conf(5).
    else if ((keyword === "search" || keyword === "domain") && values.length > 0)
      search.splice(0, search.length, ...values);
  }
  return { nameservers, search };
}

/** Opens and closes a TCP connection. Never rejects: unreachable is an answer, not an error. */
export function checkTcp(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TcpCheckResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    let settled = false;
    const settle = (result: TcpCheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = () => settle({ host, port, reachable: false, error: "cancelled" });
    const timer = setTimeout(
      () => settle({ host, port, reachable: false, error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    socket.once("connect", () =>
      settle({ host, port, reachable: true, ms: Math.round(performance.now() - started) }),
    );
    socket.once("error", (error: NodeJS.ErrnoException) =>
      settle({ host, port, reachable: false, error: error.code ?? error.message }),
    );
  });
}

export function createNetworkAgent(options: NetworkAgentOptions = {}): Agent {
  const resolvConfPath = options.resolvConfPath ?? RESOLV_CONF;
  const readInterfaces = options.readInterfaces ?? networkInterfaces;
  return {
    name: "network",
    summary: "interfaces, addresses, DNS and reachability checks",
    triggers: ["boot", "demand"],
    requiresReady: false,
    async run(ctx): Promise<AgentOutcome> {
      const settings = ctx.config.agents.network;
      const interfaces = listInterfaces(readInterfaces());
      const primary = choosePrimaryInterface(
        interfaces,
        settings.preferredInterfaces,
        settings.includeLoopback,
      );
      const dns = readDns(resolvConfPath);
      const checks = await Promise.all(
        settings.checks.map((c) => checkTcp(c.host, c.port, settings.checkTimeoutMs, ctx.signal)),
      );
      const details = { interfaces, primary: primary?.name ?? null, dns, checks };

      const problems: string[] = [];
      if (!primary) problems.push("offline: no network interface with an address");
      const unreachable = checks.filter((c) => !c.reachable);
      if (unreachable.length > 0) {
        const list = unreachable.map((c) => `${c.host}:${c.port} (${c.error})`).join(", ");
        problems.push(`${unreachable.length}/${checks.length} unreachable: ${list}`);
      }
      if (problems.length > 0) return { status: "degraded", summary: problems.join("; "), details };

      const ipv4 = primary?.addresses.find((a) => a.family === "IPv4") ?? primary?.addresses[0];
      const parts = [`${primary?.name} ${ipv4?.address}`];
      parts.push(dns.nameservers.length > 0 ? `dns ${dns.nameservers.join(" ")}` : "no dns servers");
      if (checks.length > 0) parts.push(`${checks.length}/${checks.length} reachable`);
      return { status: "ok", summary: parts.join(", "), details };
    },
  };
}

export const networkAgent: Agent = createNetworkAgent();

/** A few nameservers and search domains; a larger file is not read. */
const RESOLV_CONF_MAX_BYTES = 64 * 1024;

function readDns(path: string): ResolvConf & { file: string; error?: string } {
  try {
    return { file: path, ...parseResolvConf(readFileCapped(path, RESOLV_CONF_MAX_BYTES).toString("utf8")) };
  } catch (error) {
    // The system's own error (not found, permission denied) where there is one; else the refusal.
    const cause = error instanceof UnsafeFileError ? (error.cause ?? error) : error;
    return { file: path, nameservers: [], search: [], error: describeFsError(cause) };
  }
}
