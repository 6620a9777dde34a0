import { chmodSync, rmSync } from "node:fs";
import { fsyncFile } from "../fs/atomic-write.ts";
import { formatBytes } from "../terminal/bytes.ts";
import { type ChannelLocation, loadChannel, resolveChannel, resolveEntryUrl } from "./channel.ts";
import { downloadVerified } from "./download.ts";
import { explainFsError } from "./fs-errors.ts";
import { installLayout, removeStaleTemps, swapIn } from "./install.ts";
import { trustedPublicKeys } from "./keys.ts";
import type { ProgressSink } from "./progress.ts";
import { runSelfTest } from "./self-test.ts";
import { runningTarget } from "./targets.ts";
import { artifactFor, checkNewer } from "./verify.ts";
import { compareVersions } from "./version.ts";

export interface UpgradeOptions {
  /** Channel URL or folder (config `update.channel`, or `--channel`). */
  channel: string;
  /** Config `update.publicKeys`; the built-in keys are always trusted too. */
  publicKeys: readonly string[];
  installPath: string;
  /** The version of the binary at installPath. */
  currentVersion: string;
  /** Default: the running process's target. */
  target?: string;
  now?: Date;
  /** The vault whose state keeps the clock floor (see clock-floor.ts). */
  vaultDir?: string;
  checkOnly?: boolean;
  allowDowngrade?: boolean;
  /** Asked before anything is downloaded; absent means yes. */
  confirm?: (question: string) => Promise<boolean>;
  say: (line: string) => void;
  progress?: (label: string) => ProgressSink;
  selfTestTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** What `--check` found out, beyond the two versions (for `ember upgrade --check --json`). */
export interface CheckDetails {
  channel: string;
  published: string;
  target: string;
}

export type UpgradeOutcome =
  | { kind: "up-to-date"; current: string; offered: string; check?: CheckDetails }
  | { kind: "available"; current: string; offered: string; check?: CheckDetails }
  | { kind: "declined"; current: string; offered: string }
  | { kind: "installed"; current: string; offered: string; resumedFrom: number; fetched: number };

/**
 * The whole `ember upgrade`: fetch and verify the signed manifest, pick this node's build, download it
 * next to the installed binary (resuming), self-test it, then swap it in keeping the previous one.
 * Any failure before the swap leaves the installed binary untouched.
 */
export async function runUpgrade(options: UpgradeOptions): Promise<UpgradeOutcome> {
  const keys = trustedPublicKeys(options.publicKeys);
  const location: ChannelLocation = resolveChannel(options.channel);
  const { manifest, clockProblem } = await loadChannel(location, keys, {
    now: options.now ?? new Date(),
    vaultDir: options.vaultDir,
  });
  if (clockProblem) options.say(clockProblem);
  const target = options.target ?? runningTarget();
  const current = options.currentVersion;
  const offered = manifest.version;
  options.say(
    `installed: ember ${current}   channel ${location.name}: ember ${offered} (published ${manifest.published})`,
  );
  const order = compareVersions(offered, current);
  if (options.checkOnly) {
    artifactFor(manifest, target);
    options.say(order > 0 ? `ember ${offered} is available for ${target}` : "ember is up to date");
    const check = { channel: location.name, published: manifest.published, target };
    return { kind: order > 0 ? "available" : "up-to-date", current, offered, check };
  }
  if (order === 0 && !options.allowDowngrade) {
    options.say("ember is up to date");
    return { kind: "up-to-date", current, offered };
  }
  checkNewer(offered, current, options.allowDowngrade ?? false);
  const artifact = artifactFor(manifest, target);
  if (
    options.confirm &&
    !(await options.confirm(`Install ember ${offered} (${target}, ${formatBytes(artifact.size)})?`))
  ) {
    return { kind: "declined", current, offered };
  }

  const layout = installLayout(options.installPath);
  removeStaleTemps(layout);
  const sink = options.progress?.(`ember ${offered}`);
  let result: { resumedFrom: number; fetched: number };
  try {
    result = await downloadVerified({
      url: resolveEntryUrl(location, artifact.url),
      partialPath: layout.partialPath,
      size: artifact.size,
      sha256: artifact.sha256,
      onProgress: sink ? (p) => sink.update(p) : undefined,
      idleTimeoutMs: options.idleTimeoutMs,
    });
  } finally {
    sink?.done();
  }
  if (result.resumedFrom > 0) options.say(`resumed an earlier download at byte ${result.resumedFrom}`);
  try {
    chmodSync(layout.partialPath, 0o755);
    fsyncFile(layout.partialPath);
  } catch (error) {
    throw explainFsError(error, layout.partialPath);
  }

  try {
    await runSelfTest(layout.partialPath, offered, options.selfTestTimeoutMs);
  } catch (error) {
    rmSync(layout.partialPath, { force: true });
    rmSync(`${layout.partialPath}.meta`, { force: true });
    throw error;
  }
  swapIn({ layout, stagedPath: layout.partialPath, version: offered, previousVersion: current });
  options.say(
    `installed ember ${offered} at ${layout.installPath} (ember ${current} kept as ${layout.previousPath}); restart ember to use it`,
  );
  return { kind: "installed", current, offered, ...result };
}
