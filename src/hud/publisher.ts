import type { App } from "../app.ts";
import { collectHudState, type HudUpdate, replFacts } from "./collect.ts";
import { renderHudLine } from "./state.ts";
import { quoteTmuxArgument, TmuxControlClient, type TmuxLocation, tmuxLocationFromEnv } from "./tmux.ts";

/**
 * The running REPL pushes the HUD line into tmux as the global user option `@ember_hud`, which
 * the status line reads (`status-right "#{@ember_hud}"`).
 *
 * Several REPLs in one tmux server take turns through two more options: `@ember_hud_leader`
 * (the writer's id, `<pid>-<random>`) and `@ember_hud_beat` (its last write, epoch ms). Every
 * write is one tmux command list, which the single-threaded tmux server runs without
 * interleaving another client's commands, so the check and the write cannot race:
 *   - a periodic refresh writes only if this REPL is the leader or the leader's beat is older
 *     than three refresh periods (it died without releasing);
 *   - a change in this REPL's own state (model, last turn, boot finished) claims the HUD at
 *     once: the HUD shows the REPL the operator used last;
 *   - a REPL that exits while leading clears the options; the others take over at their next
 *     refresh.
 */
export const HUD_OPTION = "@ember_hud";
/** What only the leading REPL knows (model, last turn) as JSON, so `ember hud` prints the same line. */
export const HUD_FACTS_OPTION = "@ember_hud_facts";
export const HUD_LEADER_OPTION = "@ember_hud_leader";
export const HUD_BEAT_OPTION = "@ember_hud_beat";

/** Leadership lapses after this many refresh periods without a beat. */
const STALE_PERIODS = 3;
/** Reconnecting to a tmux that went away waits at most this long between tries. */
const MAX_RECONNECT_MS = 60_000;

export interface HudPublisherStatus {
  /** False outside tmux: there is nothing to publish to. */
  active: boolean;
  connected: boolean;
  /** Control-mode clients started so far: one per connection, never one per refresh. */
  connections: number;
  /** The control client's pid while connected. */
  clientPid?: number;
  /** Why the last push failed, if it did. */
  problem?: string;
}

export interface HudPublisher {
  /** This REPL's model or last turn changed: merged in and pushed at once (claims the HUD). */
  update(patch: HudUpdate): void;
  status(): HudPublisherStatus;
  /** Pushes now and waits for tmux to take it (tests, and callers that want to be sure). */
  flush(): Promise<void>;
  /** Stops refreshing, hands the HUD over, and detaches from tmux. */
  stop(): Promise<void>;
}

export interface HudPublisherOptions {
  app: App;
  /** Settles when the boot agents have reported; health shows `starting` until then. */
  booted: Promise<unknown>;
  /** `$TMUX` and `$TMUX_PANE` say where to publish; without them the publisher does nothing. */
  env?: Record<string, string | undefined>;
  /** Default `tmux` on PATH. */
  tmux?: string;
  /** Default `<pid>-<random>`. */
  id?: string;
}

export function startHudPublisher(options: HudPublisherOptions): HudPublisher {
  const env = options.env ?? process.env;
  const location = tmuxLocationFromEnv(env);
  if (!location) return inactivePublisher();
  return new TmuxHudPublisher(options, location, env);
}

function inactivePublisher(): HudPublisher {
  return {
    update() {},
    status: () => ({ active: false, connected: false, connections: 0 }),
    flush: async () => {},
    stop: async () => {},
  };
}

class TmuxHudPublisher implements HudPublisher {
  readonly #app: App;
  readonly #location: TmuxLocation;
  readonly #env: Record<string, string | undefined>;
  readonly #tmux: string;
  readonly #id: string;
  #facts: HudUpdate & { booted: boolean; session?: string } = { booted: false };
  #client: TmuxControlClient | undefined;
  #connections = 0;
  #nextConnectAt = 0;
  #reconnectDelayMs = 0;
  #problem: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  /** Pushes run one after another; a claim requested meanwhile is folded into the next one. */
  #queue: Promise<void> = Promise.resolve();
  #claimWaiting = false;

  constructor(options: HudPublisherOptions, location: TmuxLocation, env: Record<string, string | undefined>) {
    this.#app = options.app;
    this.#location = location;
    this.#env = env;
    this.#tmux = options.tmux ?? "tmux";
    this.#id = options.id ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const afterBoot = () => {
      this.#facts.booted = true;
      this.update({});
    };
    options.booted.then(afterBoot, afterBoot);
    this.#push(true);
    this.#schedule();
  }

  update(patch: HudUpdate): void {
    if (this.#stopped) return;
    if (patch.model) this.#facts.model = patch.model;
    if (patch.queue !== undefined) this.#facts.queue = patch.queue;
    if (patch.lastTurnTokensPerSecond !== undefined)
      this.#facts.lastTurnTokensPerSecond = patch.lastTurnTokensPerSecond;
    this.#push(true);
  }

  status(): HudPublisherStatus {
    const client = this.#client && !this.#client.closed ? this.#client : undefined;
    return {
      active: true,
      connected: client !== undefined,
      connections: this.#connections,
      ...(client ? { clientPid: client.pid } : {}),
      ...(this.#problem ? { problem: this.#problem } : {}),
    };
  }

  flush(): Promise<void> {
    return this.#push(false);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#queue;
    const client = this.#client;
    if (!client || client.closed) return;
    const mine = `#{==:#{${HUD_LEADER_OPTION}},${this.#id}}`;
    const release = [HUD_LEADER_OPTION, HUD_BEAT_OPTION, HUD_OPTION, HUD_FACTS_OPTION]
      .map((o) => `set -gu ${o}`)
      .join(" ; ");
    await client.run(`if -F ${quoteTmuxArgument(mine)} { ${release} }`).catch(() => undefined);
    await client.close();
  }

  #schedule(): void {
    // Read at every tick so `/config set hud.refreshSeconds` applies without a restart.
    const ms = this.#refreshMs();
    this.#timer = setTimeout(() => {
      this.#push(false);
      if (!this.#stopped) this.#schedule();
    }, ms);
    this.#timer.unref?.();
  }

  #refreshMs(): number {
    return this.#app.settings.config.hud.refreshSeconds * 1000;
  }

  #push(claim: boolean): Promise<void> {
    if (claim) {
      if (this.#claimWaiting) return this.#queue;
      this.#claimWaiting = true;
    }
    this.#queue = this.#queue.then(async () => {
      if (claim) this.#claimWaiting = false;
      if (this.#stopped) return;
      await this.#pushNow(claim);
    });
    return this.#queue;
  }

  async #pushNow(claim: boolean): Promise<void> {
    const client = await this.#connected();
    if (!client) return;
    const now = Date.now();
    const line = renderHudLine(collectHudState(this.#app, this.#facts, new Date(now)), { color: true });
    const write = [
      `set -g ${HUD_LEADER_OPTION} ${quoteTmuxArgument(this.#id)}`,
      `set -g ${HUD_BEAT_OPTION} ${now}`,
      `set -g ${HUD_OPTION} ${quoteTmuxArgument(line)}`,
      `set -g ${HUD_FACTS_OPTION} ${quoteTmuxArgument(JSON.stringify(replFacts(this.#facts)))}`,
    ].join(" ; ");
    const staleBefore = now - STALE_PERIODS * this.#refreshMs();
    const mayWrite = `#{||:#{==:#{${HUD_LEADER_OPTION}},${this.#id}},#{e|<:#{${HUD_BEAT_OPTION}},${staleBefore}}}`;
    try {
      await client.run(claim ? write : `if -F ${quoteTmuxArgument(mayWrite)} { ${write} }`);
      this.#problem = undefined;
    } catch (error) {
      this.#fail(error);
    }
  }

  async #connected(): Promise<TmuxControlClient | undefined> {
    if (this.#client && !this.#client.closed) return this.#client;
    if (Date.now() < this.#nextConnectAt) return undefined;
    this.#connections++;
    try {
      const client = TmuxControlClient.connect({
        location: this.#location,
        tmux: this.#tmux,
        env: this.#env,
      });
      this.#client = client;
      const reply = await client.run(`display-message -p ${quoteTmuxArgument("#{session_name}")}`);
      this.#facts.session = reply.output[0] || undefined;
      this.#reconnectDelayMs = 0;
      this.#app.logger.log.debug("hud connected", { socket: this.#location.socket, pid: client.pid });
      return client;
    } catch (error) {
      void this.#client?.close();
      this.#client = undefined;
      this.#fail(error);
      this.#backOff();
      return undefined;
    }
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.#problem) this.#app.logger.log.warn("hud push failed", { error: message });
    this.#problem = message;
    if (this.#client?.closed) this.#backOff();
  }

  /** Reconnects wait longer each time, so a vanished tmux does not cost a process every refresh. */
  #backOff(): void {
    this.#reconnectDelayMs = Math.min(
      MAX_RECONNECT_MS,
      Math.max(this.#refreshMs(), this.#reconnectDelayMs * 2),
    );
    this.#nextConnectAt = Date.now() + this.#reconnectDelayMs;
  }
}
