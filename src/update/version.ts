import { VERSION } from "../version.ts";

/** The running build's version (one source: src/version.ts). */
export const EMBER_VERSION: string = VERSION;

// Semantic Versioning 2.0.0, without build metadata (it carries no precedence and would let two
// different builds claim the same version).
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function isVersion(text: string): boolean {
  return SEMVER.test(text);
}

/** Semver precedence: negative when a < b, zero when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  return Bun.semver.order(a, b);
}
