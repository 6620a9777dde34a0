import { defineCommand } from "citty";
import { bootEmber } from "../boot.ts";
import { collectHudState } from "../hud/collect.ts";
import { renderHudLine } from "../hud/state.ts";
import { tmuxLocationFromEnv } from "../hud/tmux.ts";

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
      process.stderr.write(`ember hud: --width expects a whole number of columns, got "${args.width}"\n`);
      process.exit(2);
    }
    const { app, agentsDone } = bootEmber();
    await agentsDone;
    // This process has loaded no model: the model shows as none, as in a REPL that has not asked yet.
    const session = await tmuxSessionName(process.env);
    const state = collectHudState(app, { booted: true, ...(session ? { session } : {}) });
    if (args.json)
      process.stdout.write(`${JSON.stringify({ ...state, time: state.time.toISOString() }, null, 2)}\n`);
    else process.stdout.write(`${renderHudLine(state, width === undefined ? {} : { width })}\n`);
    process.exit(0);
  },
});

/** Inside tmux, the session this pane belongs to (one `tmux display-message`); else none. */
async function tmuxSessionName(env: Record<string, string | undefined>): Promise<string | undefined> {
  const location = tmuxLocationFromEnv(env);
  const tmux = Bun.which("tmux", { PATH: env.PATH ?? "" });
  if (!location || !tmux) return undefined;
  const proc = Bun.spawn(
    [tmux, "-S", location.socket, "display-message", "-p", "-t", location.target, "#{session_name}"],
    {
      stdout: "pipe",
      stderr: "ignore",
      stdin: "ignore",
    },
  );
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return code === 0 ? out.trim() || undefined : undefined;
}
