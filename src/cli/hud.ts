import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { engineWanted, findEngine } from "../engine/auto-start.ts";
import { collectHudState, type HudUpdate, parseReplFacts } from "../hud/collect.ts";
import { hudFactsFromEngine } from "../hud/engine-facts.ts";
import { HUD_FACTS_OPTION } from "../hud/publisher.ts";
import { renderHudLine } from "../hud/state.ts";
import { tmuxLocationFromEnv } from "../hud/tmux.ts";
import { terminalJson } from "../terminal/sanitize.ts";
import { CliUsageError } from "./usage-error.ts";

export default defineCommand({
  meta: {
    name: "hud",
    description: "print the HUD line once (what the tmux status line shows), as plain text",
  },
  args: {
    width: { type: "string", description: "fit the line into this many columns" },
    json: { type: "boolean", description: "print the HUD's state as JSON instead" },
  },
  async run({ args }) {
    const width = args.width === undefined ? undefined : Number(args.width);
    if (width !== undefined && !(Number.isInteger(width) && width > 0)) {
      throw new CliUsageError(`--width ${args.width}: expected a whole number of columns`);
    }
    const { app, agentsDone } = bootEmber();
    await agentsDone;
    // Inside tmux the leading REPL shares its model and last turn; elsewhere this process, which
    // loads no model, shows none, as a REPL that has not asked yet would.
    const [{ session, facts }, engine] = await Promise.all([
      fromTmux(process.env),
      engineWanted(app.env)
        ? findEngine(app.settings.vaultDir)
            .then((c) => c?.status())
            .catch(() => undefined)
        : undefined,
    ]);
    // The engine, when one runs, knows the model, queue and last turn better than any one REPL.
    const shared = engine ? { ...facts, ...hudFactsFromEngine(engine) } : facts;
    const state = collectHudState(app, { booted: true, ...shared, ...(session ? { session } : {}) });
    if (args.json) process.stdout.write(`${terminalJson({ ...state, time: state.time.toISOString() })}\n`);
    else process.stdout.write(`${renderHudLine(state, width === undefined ? {} : { width })}\n`);
    process.exit(0);
  },
});

/**
 * Inside tmux, the session this pane belongs to and what the leading REPL published, in one tmux
 * call; outside tmux, nothing.
 */
async function fromTmux(
  env: Record<string, string | undefined>,
): Promise<{ session?: string; facts: HudUpdate }> {
  const location = tmuxLocationFromEnv(env);
  const tmux = Bun.which("tmux", { PATH: env.PATH ?? "" });
  if (!location || !tmux) return { facts: {} };
  const proc = Bun.spawn(
    [
      tmux,
      "-u",
      "-S",
      location.socket,
      "display-message",
      "-p",
      "-t",
      location.target,
      "#{session_name}",
      ";",
      "show-options",
      "-gqv",
      HUD_FACTS_OPTION,
    ],
    { stdout: "pipe", stderr: "ignore", stdin: "ignore" },
  );
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0) return { facts: {} };
  const [session = "", facts = ""] = out.split("\n");
  return { ...(session.trim() ? { session: session.trim() } : {}), facts: parseReplFacts(facts) };
}
