import { AGENT_NAMES } from "../agents/names.ts";
import { cloneTree, getPath, isTree, setPath, type Tree } from "./tree.ts";

/**
 * Reads a config file written for the first, Python Ember. Its keys with an equivalent here are
 * moved to that key (each remembers where it came from); the others are reported as unused, so
 * an old vault loads instead of being declared invalid. A file with none of the Python-only keys
 * is left exactly as it is.
 */

/** A Python key turned into one of ours; paths are key paths. */
export interface MappedKey {
  from: string[];
  to: string[];
}

/** Something in the file that cannot be used here (reported as a warning, never an error). */
export interface UnusedKey {
  path: (string | number)[];
  message: string;
}

export interface PythonTranslation {
  data: Tree;
  mapped: MappedKey[];
  unused: UnusedKey[];
}

const NOT_USED = "from the Python Ember, not used here";

/** Top-level keys only the Python Ember wrote; `runtime` and `update` exist in both, by sub-key. */
const PYTHON_ONLY_TOP = ["logging", "ui", "toolchain", "test", "network"];
const PYTHON_ONLY_SUB: Record<string, readonly string[]> = {
  runtime: ["name", "auto_restart"],
  update: ["enabled", "allowed_branches"],
};

/** Python's logging level names; ours are consola's. */
const LEVELS: Record<string, string> = {
  critical: "error",
  fatal: "error",
  error: "error",
  warning: "warn",
  warn: "warn",
  info: "info",
  debug: "debug",
  notset: "trace",
};

export function isPythonEmberConfig(data: Tree): boolean {
  if (PYTHON_ONLY_TOP.some((key) => Object.hasOwn(data, key))) return true;
  return Object.entries(PYTHON_ONLY_SUB).some(([top, subs]) => {
    const section = data[top];
    return isTree(section) && subs.some((sub) => Object.hasOwn(section, sub));
  });
}

export function translatePythonConfig(input: Tree): PythonTranslation {
  if (!isPythonEmberConfig(input)) return { data: input, mapped: [], unused: [] };
  const data = cloneTree(input);
  const mapped: MappedKey[] = [];
  const unused: UnusedKey[] = [];
  const move = (from: string[], to: string[], value: unknown) => {
    setPath(data, from, undefined);
    setPath(data, to, value);
    mapped.push({ from, to });
  };
  const dropSection = (top: string, keep: readonly string[] = []) => {
    const section = data[top];
    if (!isTree(section)) {
      if (top in data) {
        unused.push({ path: [top], message: NOT_USED });
        delete data[top];
      }
      return;
    }
    for (const key of Object.keys(section)) {
      if (keep.includes(key)) continue;
      unused.push({ path: [top, key], message: NOT_USED });
      delete section[key];
    }
    if (Object.keys(section).length === 0) delete data[top];
  };

  const level = getPath(data, ["logging", "level"]);
  if (level !== undefined) {
    const ours = typeof level === "string" ? LEVELS[level.toLowerCase()] : undefined;
    move(["logging", "level"], ["log", "level"], ours ?? level);
  }
  dropSection("logging");

  const network = data.network;
  if (isTree(network)) {
    const moves: [string, string][] = [
      ["preferred_interfaces", "preferredInterfaces"],
      ["include_loopback", "includeLoopback"],
    ];
    for (const [from, to] of moves) {
      if (Object.hasOwn(network, from)) move(["network", from], ["agents", "network", to], network[from]);
    }
    if (Object.hasOwn(network, "connectivity_checks")) {
      const checks = network.connectivity_checks;
      move(["network", "connectivity_checks"], ["agents", "network", "checks"], hostPorts(checks));
    }
  }
  dropSection("network");

  for (const top of ["ui", "toolchain", "test"]) dropSection(top);
  for (const [top, subs] of Object.entries(PYTHON_ONLY_SUB)) {
    const section = data[top];
    if (!isTree(section)) continue;
    for (const sub of subs) {
      if (!Object.hasOwn(section, sub)) continue;
      unused.push({ path: [top, sub], message: NOT_USED });
      delete section[sub];
    }
    if (Object.keys(section).length === 0) delete data[top];
  }

  // The Python Ember had agents this one has not: disabling one of those is moot, not an error.
  const disabled = getPath(data, ["agents", "disabled"]);
  if (Array.isArray(disabled)) {
    const known = disabled.filter((name) => (AGENT_NAMES as readonly unknown[]).includes(name));
    disabled.forEach((name, index) => {
      if (!known.includes(name)) {
        unused.push({
          path: ["agents", "disabled", index],
          message: `no agent ${String(name)} here (${NOT_USED})`,
        });
      }
    });
    setPath(data, ["agents", "disabled"], known);
    mapped.push({ from: ["agents", "disabled"], to: ["agents", "disabled"] });
  }
  return { data, mapped, unused };
}

/**
 * "host:port" strings as {host, port}; "[::1]:22" for IPv6. Anything else is passed through as it
 * is, so the schema names the bad entry where it stands.
 */
function hostPorts(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((entry) => {
    if (typeof entry !== "string") return entry;
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(entry.trim());
    return match ? { host: match[1], port: Number(match[2]) } : entry;
  });
}
