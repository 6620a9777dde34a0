import { afterAll, beforeAll, expect, test } from "bun:test";
import type { App } from "../../src/app.ts";
import { renderBanner } from "../../src/repl/banner.ts";
import { plain, tempApp } from "../helpers/app.ts";

let app: App;
let cleanup: () => void;
beforeAll(async () => {
  ({ app, cleanup } = await tempApp());
});
afterAll(() => cleanup());

test("the banner names the editing keys only when the editor edits (not with TERM=dumb)", () => {
  expect(renderBanner(app, plain, true)).toContain(
    "TAB completes, Ctrl-R searches history, Ctrl-L clears, quit leaves.",
  );
  const dumb = renderBanner(app, plain, false);
  expect(dumb).toContain("Ask in plain language, or /help for commands. quit leaves.");
  expect(dumb).not.toContain("TAB");
  expect(dumb).not.toContain("Ctrl-L");
});
