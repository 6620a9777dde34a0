import { existsSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { Engine } from "../engine/engine.ts";
import { exitWhenIdle } from "../engine/idle.ts";
import { claimPidFile } from "../engine/pid-file.ts";
import { restartDelayMs } from "../engine/restart-backoff.ts";
import { type EngineServers, serveEngine } from "../engine/server.ts";
import { enginePaths, preparePrivateFolder } from "../engine/socket-path.ts";
import { initToken, readToken, tokenFilePath } from "../engine/token.ts";
import { isAlive } from "../os/process-alive.ts";
import type { TerminationSignal } from "../os/termination.ts";

/** How often a second `ember serve` checks whether the running engine has gone. */
const WAIT_POLL_MS = 2000;

export default defineCommand({
  meta: {
    name: "serve",
    description:
      "the engine: loads the model once and serves every REPL, ember ask and the API (docs/ENGINE.md)",
  },
  args: {
    "init-token": {
      type: "boolean",
      default: false,
      description:
        "create the bearer token file for engine.listen (0600) unless it exists, print its path, and exit",
    },
    wait: {
      type: "boolean",
      default: true,
      description:
        "if this vault's engine already runs, wait to take over when it exits (--no-wait: exit at once)",
    },
  },
  async run({ args }) {
    const { app, agentsDone } = bootEmber();
    if (args["init-token"]) {
      const path = tokenFilePath(app);
      const created = initToken(path);
      process.stdout.write(`${path}\n`);
      if (!created) process.stderr.write("ember serve: the token file already exists; kept it\n");
      return;
    }
    const paths = enginePaths(app.settings.vaultDir);
    try {
      preparePrivateFolder(paths.folder);
    } catch (error) {
      process.stderr.write(`ember serve: ${(error as Error).message}\n`);
      process.exit(1);
    }
    // One engine per user and vault: a second one (the init script while a client's runs) waits
    // for the first to go, then takes over, so a supervisor sees a process that stays up.
    let claim = claimPidFile(paths.pidFile);
    if (!claim.held && !args.wait) {
      process.stderr.write(`ember serve: the engine for this vault already runs as pid ${claim.pid}\n`);
      return;
    }
    if (!claim.held)
      process.stderr.write(
        `ember serve: the engine for this vault runs as pid ${claim.pid}; waiting for it to exit\n`,
      );
    while (!claim.held) {
      const pid = claim.pid;
      while (isAlive(pid)) await Bun.sleep(WAIT_POLL_MS);
      claim = claimPidFile(paths.pidFile);
    }
    const release = claim.release;
    // A socket left by a killed engine would refuse the bind: it is ours to replace (we hold the pid file).
    if (existsSync(paths.socket)) unlinkSync(paths.socket);

    const engine = new Engine(app, {
      booted: agentsDone,
      swap: { folder: paths.folder, name: paths.swapName },
    });
    let servers: EngineServers | undefined;
    let stopIdle = () => {};
    let stopping = false;
    const stop = async (reason: string, signal?: TerminationSignal) => {
      if (stopping) return;
      stopping = true;
      stopIdle();
      app.logger.log.info("engine stop", { reason });
      // Told to stop by a signal: the turns in flight end as terminated and their clients hear so.
      if (signal) await servers?.terminate(signal);
      servers?.stop();
      await engine.close();
      rmSync(join(paths.folder, paths.swapName), { recursive: true, force: true });
      release();
      process.exit(0);
    };
    const tcp = tcpOptions(app.settings.config.engine.listen, () => readToken(tokenFilePath(app)));
    try {
      servers = serveEngine(engine, {
        socket: paths.socket,
        ...(tcp ? { tcp } : {}),
        onShutdown: () => void stop("asked to shut down"),
      });
    } catch (error) {
      release();
      process.stderr.write(`ember serve: cannot listen: ${(error as Error).message}\n`);
      process.exit(1);
    }
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const)
      process.on(signal, () => void stop(signal, signal));
    app.logger.log.info("engine listening", {
      socket: paths.socket,
      ...(servers.tcpPort !== undefined ? { tcp: `${tcp?.hostname}:${servers.tcpPort}` } : {}),
      pid: process.pid,
    });
    // Primes llama.cpp now, so the operator lands in a console that is already ready; after a crash
    // loop, later and later (a question still loads it at once).
    const delay = restartDelayMs(paths.startsFile);
    if (delay > 0) app.logger.log.warn("engine restarted quickly; priming the model later", { ms: delay });
    setTimeout(() => engine.start(), delay);
    stopIdle = exitWhenIdle(engine, app.settings.config.engine.idleMinutes, () => void stop("idle"));
  },
});

/** `engine.listen` as Bun.serve options; a missing token leaves TCP off, with one line saying why. */
function tcpOptions(listen: string, token: () => string) {
  if (!listen) return undefined;
  const at = listen.lastIndexOf(":");
  const hostname = listen.slice(0, at);
  const port = Number(listen.slice(at + 1));
  try {
    return { hostname, port, token: token() };
  } catch (error) {
    process.stderr.write(`ember serve: engine.listen ${listen} is off: ${(error as Error).message}\n`);
    return undefined;
  }
}
