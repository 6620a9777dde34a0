import { setDefaultTimeout } from "bun:test";

// Real models, tmux sessions and subprocesses on a 2-core machine: a test may take seconds.
setDefaultTimeout(60_000);

// Tests of single parts run Ember in-process; a test about the engine turns it on explicitly.
process.env.EMBER_ENGINE ??= "off";
