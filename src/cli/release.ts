import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "citty";
import { writeReleaseKeyPair } from "../update/keys.ts";

const keygen = defineCommand({
  meta: {
    name: "keygen",
    description: "Create a release signing key: OUT.key (private) and OUT.pub (public)",
  },
  args: {
    out: { type: "positional", required: true, description: "Path prefix of the key files" },
    force: { type: "boolean", description: "Overwrite existing key files" },
  },
  run({ args }) {
    const prefix = resolve(args.out);
    for (const path of [`${prefix}.key`, `${prefix}.pub`]) {
      if (existsSync(path) && !args.force) {
        process.stderr.write(`ember release keygen: ${path} exists; pass --force to replace it\n`);
        process.exitCode = 1;
        return;
      }
    }
    const { publicKeyBase64 } = writeReleaseKeyPair(prefix);
    console.log(`wrote ${prefix}.key (private, mode 0600: keep it offline) and ${prefix}.pub`);
    console.log(`public key for update.publicKeys: ${publicKeyBase64}`);
  },
});

export default defineCommand({
  meta: { name: "release", description: "Release signing tools" },
  subCommands: { keygen },
});
