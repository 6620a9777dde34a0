import { defineCommand } from "citty";
import { VERSION } from "../version.ts";

export default defineCommand({
  meta: { name: "version", description: "print Ember's version (same as --version)" },
  run() {
    process.stdout.write(`${VERSION}\n`);
  },
});
