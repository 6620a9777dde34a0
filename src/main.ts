#!/usr/bin/env bun
import { type CommandDef, defineCommand } from "citty";
import { completionCommand } from "./cli/completion.ts";
import { helpCommand } from "./cli/help.ts";
import { runCli } from "./cli/run-cli.ts";
import { catchUnhandledErrors, reportUnhandledError } from "./cli/unhandled-error.ts";
import { checkStartMarker, markHealthyStart } from "./update/start-marker.ts";
import { VERSION } from "./version.ts";

// No command shows a stack trace or source: an error none of them handled is one line (and the log).
catchUnhandledErrors();

// Before anything else: if the last upgrade's binary never started cleanly, roll back to ember.prev.
const start = checkStartMarker();
// A first start that ends well without booting (`ember --version`, a one-shot command exiting 0) is a
// clean start too: otherwise the next start finds the marker claimed by a gone process and rolls back.
if (start.kind === "first-start") {
  process.on("exit", (code) => {
    if (code === 0) markHealthyStart();
  });
}

// `--no-engine`, anywhere on the line: this process runs everything itself, as EMBER_ENGINE=off does.
const noEngine = process.argv.indexOf("--no-engine");
if (noEngine > 1) {
  process.argv.splice(noEngine, 1);
  process.env.EMBER_ENGINE = "off";
}

// One subcommand per file in src/cli/, loaded only when used so `ember --version` stays instant.
const main: CommandDef = defineCommand({
  meta: { name: "ember", version: VERSION, description: "Ember — offline AI operator console" },
  // Plain `ember` is the REPL.
  default: "repl",
  subCommands: {
    repl: () => import("./cli/repl.ts").then((m) => m.default),
    status: () => import("./cli/status.ts").then((m) => m.default),
    serve: () => import("./cli/serve.ts").then((m) => m.default),
    logs: () => import("./cli/logs.ts").then((m) => m.default),
    hud: () => import("./cli/hud.ts").then((m) => m.default),
    tmux: () => import("./cli/tmux.ts").then((m) => m.default),
    pane: () => import("./cli/pane.ts").then((m) => m.default),
    ask: () => import("./cli/ask.ts").then((m) => m.default),
    index: () => import("./cli/index.ts").then((m) => m.default),
    search: () => import("./cli/search.ts").then((m) => m.default),
    model: () => import("./cli/model.ts").then((m) => m.default),
    upgrade: () => import("./cli/upgrade.ts").then((m) => m.default),
    release: () => import("./cli/release.ts").then((m) => m.default),
    "self-test": () => import("./cli/self-test.ts").then((m) => m.default),
    completion: () => completionCommand(main),
    help: () => helpCommand(main),
    version: () => import("./cli/version.ts").then((m) => m.default),
  },
});

await runCli(main, process.argv.slice(2)).catch(reportUnhandledError);
