import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `<folder>/<name>/plugin.yml` and its scripts (made executable); returns the plugin folder. */
export function writePlugin(
  folder: string,
  name: string,
  manifest: string,
  scripts: Record<string, string> = {},
): string {
  const dir = join(folder, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "plugin.yml"), manifest);
  for (const [file, body] of Object.entries(scripts)) {
    const path = join(dir, file);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, body);
    chmodSync(path, 0o755);
  }
  return dir;
}

/** A manifest with one command per entry. */
export function manifestFor(
  name: string,
  commands: { name: string; exec: string; extra?: string }[],
): string {
  const lines = [`name: ${name}`, `version: "1.0.0"`, `description: the ${name} plugin`, "commands:"];
  for (const c of commands) {
    lines.push(
      `  - name: ${c.name}`,
      `    summary: runs ${c.name}`,
      `    usage: /${c.name} [ARGS]`,
      `    exec: ${c.exec}`,
    );
    if (c.extra) lines.push(`    ${c.extra}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Answers with its whole request (and working folder) as the output, JSON-escaped with sed. */
export const ECHO_SCRIPT = `#!/bin/sh
request=$(cat)
escaped=$(printf '%s' "$request" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')
printf '{"ok":true,"output":"%s"}\\n' "$escaped"
`;

export const PWD_SCRIPT = `#!/bin/sh
printf '{"ok":true,"output":"%s"}\\n' "$(pwd)"
`;
