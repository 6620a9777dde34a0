import { closeSync, openSync, readdirSync, readSync } from "node:fs";

/** The builds a release can carry, named `<os>-<cpu>[-<libc>]` like the artifacts in dist/. */
export const TARGETS = ["linux-x64", "linux-arm64", "linux-arm64-musl"] as const;
export type Target = (typeof TARGETS)[number];

export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

const EM_X86_64 = 0x3e;
const EM_AARCH64 = 0xb7;
const PT_INTERP = 3;

/**
 * The target an ELF executable was built for, from its machine field and its program interpreter
 * (`ld-musl-*` means musl). A name outside TARGETS (e.g. `linux-x64-musl`) is returned as is so the
 * caller can say which build is missing; undefined when the file is not a 64-bit little-endian ELF.
 */
export function elfTarget(path: string): string | undefined {
  const fd = openSync(path, "r");
  try {
    const header = readAt(fd, 0, 64);
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
    if (header[4] !== 2 || header[5] !== 1) return undefined;
    const machine = header.readUInt16LE(18);
    const cpu = machine === EM_X86_64 ? "x64" : machine === EM_AARCH64 ? "arm64" : undefined;
    if (!cpu) return undefined;
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    let interpreter = "";
    for (let i = 0; i < phnum; i++) {
      const ph = readAt(fd, phoff + i * phentsize, 56);
      if (ph.length < 56 || ph.readUInt32LE(0) !== PT_INTERP) continue;
      const offset = Number(ph.readBigUInt64LE(8));
      const size = Math.min(Number(ph.readBigUInt64LE(32)), 256);
      interpreter = readAt(fd, offset, size).toString("latin1");
      break;
    }
    return interpreter.includes("ld-musl") ? `linux-${cpu}-musl` : `linux-${cpu}`;
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/**
 * The target of the running process. The executable's own interpreter is the truth (a glibc
 * system may have musl installed beside it); the presence of /lib/ld-musl-* is the fallback.
 */
export function runningTarget(executable: string = process.execPath): string {
  try {
    const fromElf = elfTarget(executable);
    if (fromElf) return fromElf;
  } catch {
    // Unreadable executable: fall through to the loader check.
  }
  const cpu = process.arch === "arm64" ? "arm64" : process.arch === "x64" ? "x64" : process.arch;
  const musl = listSafe("/lib").some((name) => name.startsWith("ld-musl-"));
  return musl ? `linux-${cpu}-musl` : `linux-${cpu}`;
}

function listSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
