import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import { bootEmber } from "../../src/boot.ts";
import type { CommandOutput, EngineControls } from "../../src/commands/types.ts";
import { createStyle } from "../../src/terminal/style.ts";

/** An Ember app on a fresh temp vault, with its boot agents finished. */
export async function tempApp(
  env: Record<string, string> = {},
): Promise<{ app: App; vault: string; cleanup(): void }> {
  const vault = mkdtempSync(join(tmpdir(), "ember-app-"));
  const { app, agentsDone } = bootEmber({
    env: { VAULT_DIR: vault, EMBER_SYSTEM_CONFIG: "/nonexistent", LLAMA_CPP_THREADS: "1", ...env },
    cwd: vault,
  });
  await agentsDone;
  return { app, vault, cleanup: () => rmSync(vault, { recursive: true, force: true }) };
}

/** Collects command output as text. */
export function captureOutput(): CommandOutput & { text(): string } {
  let buffer = "";
  return {
    line: (text = "") => {
      buffer += `${text}\n`;
    },
    write: (text) => {
      buffer += text;
    },
    text: () => buffer,
  };
}

export const plain = createStyle(false);

/** Runs one slash-command line as the operator (or the planner) and returns its output. */
export async function runLine(
  app: App,
  line: string,
  source: "operator" | "planner" = "operator",
  engine?: EngineControls,
) {
  const out = captureOutput();
  const result = await app.commands.run(line, {
    host: app,
    source,
    out,
    style: plain,
    ...(engine ? { engine } : {}),
  });
  return { result, output: out.text() };
}
