import type { CommandHost } from "../commands/host.ts";
import type { Style } from "../terminal/style.ts";

/**
 * The lines shown at start and after Ctrl-L. The keys it names are the ones that work: without
 * line editing (TERM=dumb) the terminal reads whole lines, so there is no TAB, Ctrl-R or Ctrl-L.
 */
export function renderBanner(app: CommandHost, style: Style, editing: boolean): string {
  const config = app.settings.valid ? "" : `  ${style.red("config invalid — see /status")}`;
  const keys = editing ? " TAB completes, Ctrl-R searches history, Ctrl-L clears," : "";
  return [
    `${style.bold("Ember")} ${style.dim(app.version)} — offline operator console`,
    `${style.dim("vault")} ${app.settings.vaultDir}${config}`,
    style.dim(`Ask in plain language, or /help for commands.${keys} quit leaves.`),
    "",
  ].join("\n");
}
