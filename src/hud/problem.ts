/**
 * Why this machine has no HUD, for `/status`: tmux is not installed (the REPL then runs on its
 * own). Looks tmux up on the app's PATH, falling back to the process's own.
 */
export function hudProblem(env: Record<string, string | undefined>): string | undefined {
  const path = env.PATH ?? process.env.PATH ?? "";
  if (Bun.which("tmux", { PATH: path })) return undefined;
  return "tmux is not installed: no HUD and no tmux session (install tmux, then run `ember tmux`)";
}
