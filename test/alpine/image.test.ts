import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VAULT_FOLDERS } from "../../src/agents/provision.ts";
import type { ProcessOutput } from "../helpers/subprocess.ts";
import { REPO, run, runOk, sha256 } from "./shell.ts";

const BUILD = join(REPO, "alpine", "build-image.sh");
const STANDIN = join(REPO, "scripts", "make-alpine-standin.sh");
// Small partitions keep the test image small; the defaults are sized for a real release.
const SIZES = { BOOT_SIZE: "64M", DATA_SIZE: "16M" };

let dir: string;
let tarball: string;
let binary: Uint8Array;
let binaryPath: string;
let modelPath: string;
let image: string;
let build: ProcessOutput;

interface Partition {
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
}
let partitions: Partition[];

const bootAt = () => `${image}@@${partitions[0]!.start * 512}`;
const dataAt = () => `${image}?offset=${partitions[1]!.start * 512}`;
const mtype = (path: string) => runOk(["mtype", "-i", bootAt(), `::${path}`]);
const debugfs = (request: string) => runOk(["debugfs", "-R", request, dataAt()]);

async function standin(name: string, env: Record<string, string> = {}): Promise<string> {
  const out = join(dir, name);
  await runOk(["sh", STANDIN, out], env);
  return out;
}

/** Builds into a fresh folder; returns the result and what the folder holds afterwards. */
async function buildInto(name: string, env: Record<string, string>) {
  const outDir = join(dir, name);
  mkdirSync(outDir);
  const out = join(outDir, "ember-rpi.img");
  const result = await run(["sh", BUILD], { EMBER_BINARY: binaryPath, OUT: out, ...SIZES, ...env });
  return { result, out, left: readdirSync(outDir) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ember-image-"));
  tarball = await standin("alpine-rpi-3.22.0-aarch64.tar.gz");
  binary = crypto.getRandomValues(new Uint8Array(300_000));
  binaryPath = join(dir, "ember-linux-arm64-musl");
  writeFileSync(binaryPath, binary);
  modelPath = join(dir, "tiny-q8.gguf");
  writeFileSync(modelPath, `GGUF stand-in ${"m".repeat(20_000)}`);
  const apkCache = join(dir, "apk-cache");
  mkdirSync(apkCache);
  writeFileSync(join(apkCache, "tmux-3.5-r0.a1b2c3d4.apk"), "stand-in package");
  image = join(dir, "ember-rpi.img");
  build = await run(["sh", BUILD], {
    ALPINE_TARBALL: tarball,
    ALPINE_SHA256: sha256(readFileSync(tarball)),
    EMBER_BINARY: binaryPath,
    MODEL: modelPath,
    APK_CACHE_DIR: apkCache,
    OUT: image,
    ...SIZES,
  });
  if (build.code !== 0) throw new Error(`build-image failed: ${build.stderr}`);
  partitions = JSON.parse(await runOk(["sfdisk", "--json", image])).partitiontable.partitions;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("make image (alpine/build-image.sh)", () => {
  test("an MBR with a bootable FAT32 partition then an ext4 one, 4 MiB aligned", async () => {
    const table = JSON.parse(await runOk(["sfdisk", "--json", image])).partitiontable;
    expect(table.label).toBe("dos");
    expect(partitions).toHaveLength(2);
    expect(partitions[0]).toMatchObject({ type: "c", bootable: true, size: 64 * 2048 });
    expect(partitions[1]).toMatchObject({ type: "83", size: 16 * 2048 });
    for (const p of partitions) expect(p.start % 8192).toBe(0);

    const bytes = readFileSync(image);
    const boot = partitions[0]!.start * 512;
    expect(bytes.subarray(boot + 82, boot + 90).toString("latin1")).toBe("FAT32   ");
    expect(bytes.subarray(boot + 71, boot + 82).toString("latin1")).toBe("EMBERBOOT  ");
    expect(await debugfs("stats")).toMatch(/Filesystem volume name:\s+EMBERDATA\n/);
  });

  test("the boot partition holds the release, the apkovl and the apk cache", async () => {
    expect(await mtype("/.alpine-release")).toContain("alpine-rpi-3.22.0");
    expect(await mtype("/config.txt")).toContain("kernel=boot/vmlinuz-rpi");
    expect(await mtype("/cmdline.txt")).toContain("modules=loop,squashfs");
    expect(await mtype("/boot/vmlinuz-rpi")).toContain("ember stand-in: vmlinuz-rpi");
    expect(await mtype("/start4.elf")).toContain("Raspberry Pi firmware start4.elf");
    expect((await run(["mtype", "-i", bootAt(), "::/apks/.boot_repository"])).code).toBe(0);
    expect(await mtype("/cache/tmux-3.5-r0.a1b2c3d4.apk")).toBe("stand-in package");

    const ovl = join(dir, "from-image.apkovl.tar.gz");
    await runOk(["mcopy", "-n", "-i", bootAt(), "::/ember.apkovl.tar.gz", ovl]);
    const repos = await runOk(["tar", "-xOzf", ovl, "etc/apk/repositories"]);
    expect(repos).toContain("/alpine/v3.22/main");
    expect(await runOk(["tar", "-xOzf", ovl, "etc/conf.d/ember"])).toContain("EMBER_DATA_LABEL=EMBERDATA");
  });

  test("the data partition holds the binary, the model and an empty vault layout", async () => {
    const out = join(dir, "ember-from-image");
    await runOk(["debugfs", "-R", `dump /ember/bin/ember ${out}`, dataAt()]);
    expect(sha256(readFileSync(out))).toBe(sha256(binary));
    expect(await debugfs("stat /ember/bin/ember")).toMatch(/Mode:\s+0755/);
    // The operator owns ember/ (upgrades swap the binary, the REPL writes the vault); root owns the top.
    for (const path of ["/ember", "/ember/bin/ember", "/ember/vault/state", "/ember/models/tiny-q8.gguf"])
      expect(await debugfs(`stat ${path}`)).toMatch(/User:\s+1000\s+Group:\s+1000\b/);
    expect(await debugfs("stat /")).toMatch(/User:\s+0\s+Group:\s+0\b/);
    expect(await debugfs("cat /ember/models/tiny-q8.gguf")).toBe(readFileSync(modelPath, "utf8"));

    const names = (listing: string) =>
      listing
        .split("\n")
        .map((l) => l.trim().split(/\s+/).at(-1) ?? "")
        .filter((n) => n && n !== "." && n !== "..")
        .sort();
    expect(names(await debugfs("ls -l /ember"))).toEqual(["bin", "models", "runtime", "vault"]);
    expect(names(await debugfs("ls -l /ember/vault"))).toEqual([...VAULT_FOLDERS].sort());
    for (const folder of VAULT_FOLDERS)
      expect(names(await debugfs(`ls -l /ember/vault/${folder}`))).toEqual([]);
  });

  test("a tarball that fails ALPINE_SHA256 builds nothing and leaves nothing", async () => {
    const { result, left } = await buildInto("bad-sum", {
      ALPINE_TARBALL: tarball,
      ALPINE_SHA256: "ab".repeat(32),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("fails its checksum: expected abab");
    expect(result.stderr).toContain("no image written");
    expect(left).toEqual([]);
  });

  test("tarballs that are not an Alpine Raspberry Pi release are refused by name", async () => {
    const cases: [string, Record<string, string>, string][] = [
      ["no-marker", { STANDIN_OMIT: ".alpine-release" }, "no .alpine-release"],
      ["no-kernel", { STANDIN_OMIT: "boot" }, "no kernel boot/vmlinuz-*"],
      ["no-pi5", { STANDIN_OMIT: "bcm2712-rpi-5-b.dtb" }, "no bcm2712-rpi-5-b.dtb"],
      [
        "armv7",
        { STANDIN_ARCH: "armv7" },
        "no apks/aarch64/APKINDEX.tar.gz (the Pi 5 needs the aarch64 release; found apks/armv7/",
      ],
    ];
    for (const [name, env, message] of cases) {
      const bad = await standin(`${name}.tar.gz`, env);
      const { result, left } = await buildInto(name, { ALPINE_TARBALL: bad });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${bad} is not an Alpine Raspberry Pi release: ${message}`);
      expect(left).toEqual([]);
    }
    const text = join(dir, "notes.tar.gz");
    writeFileSync(text, "just some notes\n");
    const { result, left } = await buildInto("not-tar", { ALPINE_TARBALL: text });
    expect(result.stderr).toContain("is not a readable .tar.gz");
    expect(left).toEqual([]);
  });

  test("missing inputs are named before any work", async () => {
    const noTarball = await buildInto("no-tarball", {});
    expect(noTarball.result.stderr).toContain("ALPINE_TARBALL is not set");
    const noBinary = await buildInto("no-binary", {
      ALPINE_TARBALL: tarball,
      EMBER_BINARY: join(dir, "nope"),
    });
    expect(noBinary.result.stderr).toContain(`no ember binary at ${join(dir, "nope")}`);
    const notModel = await buildInto("not-model", { ALPINE_TARBALL: tarball, MODEL: binaryPath });
    expect(notModel.result.stderr).toContain("is not a .gguf file");
    for (const r of [noTarball, noBinary, notModel]) {
      expect(r.result.code).toBe(1);
      expect(r.left).toEqual([]);
    }
  });

  test("a URL tarball is fetched into the cache, checked, and used", async () => {
    const body = readFileSync(tarball);
    let hits = 0;
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => {
        hits++;
        return new Response(body);
      },
    });
    try {
      const cache = join(dir, "url-cache");
      const env = {
        ALPINE_TARBALL: `http://127.0.0.1:${server.port}/alpine-rpi-3.22.0-aarch64.tar.gz`,
        ALPINE_SHA256: sha256(body),
        ALPINE_CACHE: cache,
      };
      const first = await buildInto("from-url", env);
      expect(first.result.stderr).toBe("");
      expect(first.left).toEqual(["ember-rpi.img"]);
      expect(readdirSync(cache)).toEqual(["alpine-rpi-3.22.0-aarch64.tar.gz"]);
      const second = await buildInto("from-url-again", env);
      expect(second.result.code).toBe(0);
      expect(hits).toBe(1);
    } finally {
      server.stop(true);
    }
  });
});
