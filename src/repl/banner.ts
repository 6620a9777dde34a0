import type { App } from "../app.ts";
import type { Style } from "../terminal/style.ts";

/** The lines shown at start and after Ctrl-L. */
export function renderBanner(app: App, style: Style): string {
  const config = app.settings.valid ? "" : `  ${style.red("config invalid — see /status")}`;
  return [
    `${style.bold("Ember")} ${style.dim(app.version)} — offline operator console`,
    `${style.dim("vault")} ${app.settings.vaultDir}${config}`,
    style.dim("Ask in plain language, or /help for commands. TAB completes, Ctrl-L clears, quit leaves."),
    "",
  ].join("\n");
}
