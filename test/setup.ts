import { setDefaultTimeout } from "bun:test";

// Real models, tmux sessions and subprocesses on a 2-core machine: a test may take seconds.
setDefaultTimeout(60_000);
