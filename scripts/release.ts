// Builds a release channel folder from dist/:
//   bun scripts/release.ts --version x.y.z --key OUT.key [--dist dist] [--out dist/release]
//                          [--expires-days N] [--channel stable] [--model NAME=FILE ...]
// It writes <out>/<channel>/ (default dist/release/stable/): mirror <out> to the web server or a USB
// stick as is, and point nodes' update.channel at the <channel>/ folder.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { UpdateError } from "../src/update/errors.ts";
import { DEFAULT_EXPIRES_DAYS, writeRelease } from "../src/update/release.ts";

const usage =
  "usage: bun scripts/release.ts --version x.y.z --key OUT.key [--dist dist] [--out dist/release] [--expires-days N] [--channel stable] [--model NAME=FILE]";

function main(): number {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse().values;
  } catch (error) {
    console.error(`release: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!values.version || !values.key) {
    console.error(`release: --version and --key are required\n${usage}`);
    return 2;
  }
  const models: Record<string, string> = {};
  for (const spec of values.model ?? []) {
    const [name, file] = spec.split("=", 2);
    if (!name || !file) {
      console.error(`release: --model ${spec}: expected NAME=FILE`);
      return 2;
    }
    models[name] = resolve(file);
  }
  const outDir = resolve(values.out ?? "dist/release");
  try {
    const { manifest, dir } = writeRelease({
      version: values.version,
      keyPath: resolve(values.key),
      distDir: resolve(values.dist ?? "dist"),
      outDir,
      channel: values.channel,
      expiresDays: values["expires-days"] ? Number(values["expires-days"]) : DEFAULT_EXPIRES_DAYS,
      models,
    });
    console.log(
      `wrote ${dir}: ember ${manifest.version} for ${Object.keys(manifest.artifacts).join(", ")}, channel ${manifest.channel}, expires ${manifest.expires}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof UpdateError)) throw error;
    console.error(`release: ${error.message}`);
    return 1;
  }
}

function parse() {
  return parseArgs({
    options: {
      version: { type: "string" },
      key: { type: "string" },
      dist: { type: "string" },
      out: { type: "string" },
      channel: { type: "string" },
      "expires-days": { type: "string" },
      model: { type: "string", multiple: true },
    },
    strict: true,
  });
}

process.exit(main());
