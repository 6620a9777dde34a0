import { describe, expect, test } from "bun:test";
import { PluginManifestError, parsePluginManifest } from "../../src/plugins/manifest.ts";

const FILE = "/plugins/weather/plugin.yml";

function problemsOf(text: string): readonly string[] {
  try {
    parsePluginManifest(FILE, text, "/");
  } catch (error) {
    if (error instanceof PluginManifestError) return error.problems;
    throw error;
  }
  throw new Error("expected the manifest to be rejected");
}

const VALID = `name: weather
version: "1.2.0"
description: Local weather station readings
commands:
  - name: weather
    summary: current readings
    usage: /weather [SENSOR]
    exec: bin/weather
    plannerAllowed: true
  - name: weather-reset
    summary: resets the station
    usage: /weather-reset
    exec: ./bin/reset.sh
    timeoutMs: 20000
`;

describe("parsePluginManifest", () => {
  test("reads a valid manifest; plannerAllowed defaults to false and timeoutMs is optional", () => {
    expect(parsePluginManifest(FILE, VALID)).toEqual({
      name: "weather",
      version: "1.2.0",
      description: "Local weather station readings",
      commands: [
        {
          name: "weather",
          summary: "current readings",
          usage: "/weather [SENSOR]",
          exec: "bin/weather",
          plannerAllowed: true,
        },
        {
          name: "weather-reset",
          summary: "resets the station",
          usage: "/weather-reset",
          exec: "./bin/reset.sh",
          plannerAllowed: false,
          timeoutMs: 20000,
        },
      ],
    });
  });

  test("a YAML syntax error names file:line:col", () => {
    const problems = problemsOf("name: weather\ncommands:\n  - name: [unclosed\n");
    expect(problems[0]).toMatch(/^plugins\/weather\/plugin\.yml:\d+:\d+ \(yaml\): /);
  });

  test("a wrong value names file:line:col of the value and its key path", () => {
    const text = VALID.replace("plannerAllowed: true", 'plannerAllowed: "yes"');
    expect(problemsOf(text)).toEqual([
      "plugins/weather/plugin.yml:9:21 commands.0.plannerAllowed: expected true or false",
    ]);
  });

  test("an unknown key is located at the key", () => {
    const text = VALID.replace("    exec: bin/weather\n", "    exec: bin/weather\n    exce: typo\n");
    expect(problemsOf(text)).toEqual(["plugins/weather/plugin.yml:9:5 commands.0.exce: unknown key"]);
  });

  test("a missing key, an unquoted version and a bad command name are all reported", () => {
    const text = VALID.replace("description: Local weather station readings\n", "")
      .replace('version: "1.2.0"', "version: 1.2")
      .replace("  - name: weather\n", "  - name: Weather Now\n");
    const problems = problemsOf(text);
    expect(problems).toContain(
      'plugins/weather/plugin.yml:2:10 version: expected text (a version; quote it, e.g. "1.0.0")',
    );
    expect(problems).toContain("plugins/weather/plugin.yml:1:1 description: missing");
    expect(
      problems.some((p) =>
        p.startsWith("plugins/weather/plugin.yml:4:11 commands.0.name: expected lowercase"),
      ),
    ).toBe(true);
  });

  test("exec must stay inside the plugin folder", () => {
    for (const exec of ["/bin/sh", "../other/run", "bin/../../run"]) {
      const problems = problemsOf(VALID.replace("exec: bin/weather", `exec: ${exec}`));
      expect(problems).toEqual([
        "plugins/weather/plugin.yml:8:11 commands.0.exec: expected a path inside the plugin folder (relative, no ..)",
      ]);
    }
  });

  test("an empty file or a list is not a manifest", () => {
    expect(problemsOf("")[0]).toBe(
      "plugins/weather/plugin.yml:1:1 (file): expected a mapping with name, version, description and commands",
    );
    expect(problemsOf("- a\n- b\n")[0]).toBe(
      "plugins/weather/plugin.yml:1:1 (file): expected a mapping with name, version, description and commands",
    );
  });

  test("a plugin needs at least one command", () => {
    const text = 'name: empty\nversion: "1"\ndescription: nothing\ncommands: []\n';
    expect(problemsOf(text)).toEqual([
      "plugins/weather/plugin.yml:4:11 commands: expected at least one command",
    ]);
  });
});
