#!/usr/bin/env bun
import { defineCommand, runMain } from "citty";
import { VERSION } from "./version.ts";

// One subcommand per file in src/cli/, loaded only when used so `ember --version` stays instant.
const main = defineCommand({
  meta: { name: "ember", version: VERSION, description: "Ember — offline AI operator console" },
  // Plain `ember` is the REPL.
  default: "repl",
  subCommands: {
    repl: () => import("./cli/repl.ts").then((m) => m.default),
    status: () => import("./cli/status.ts").then((m) => m.default),
    logs: () => import("./cli/logs.ts").then((m) => m.default),
  },
});

await runMain(main);
