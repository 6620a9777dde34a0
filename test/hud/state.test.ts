import { describe, expect, test } from "bun:test";
import { parseReplFacts, replFacts } from "../../src/hud/collect.ts";
import { type HudState, renderHudLine, shortenPath } from "../../src/hud/state.ts";

const GiB = 1024 ** 3;

function state(overrides: Partial<HudState> = {}): HudState {
  return {
    session: "ember",
    vault: "/home/op/vault",
    home: "/home/op",
    health: "ok",
    model: { state: "ready", name: "qwen2.5-1.5b" },
    lastTurnTokensPerSecond: 12.34,
    memory: { usedBytes: 2 * GiB, totalBytes: 8 * GiB },
    temperatureCelsius: 51.6,
    time: new Date(2025, 0, 2, 9, 5),
    ...overrides,
  };
}

describe("renderHudLine, plain text", () => {
  test("shows session, vault, health, model, tokens/s, memory, temperature and time in order", () => {
    expect(renderHudLine(state())).toBe(
      "ember | ~/vault | ok | qwen2.5-1.5b | 12.3 tok/s | mem 2.0/8.0G | 52°C | 09:05",
    );
  });

  test("each model state reads differently", () => {
    expect(renderHudLine(state({ model: { state: "none" } }))).toContain("| no model |");
    expect(renderHudLine(state({ model: { state: "loading", name: "tiny" } }))).toContain("| loading tiny |");
    expect(renderHudLine(state({ model: { state: "loading" } }))).toContain("| loading |");
    expect(renderHudLine(state({ model: { state: "ready" } }))).toContain("| model ready |");
    expect(renderHudLine(state({ model: { state: "failed", name: "big" } }))).toContain(
      "| model failed big |",
    );
  });

  test("the engine's queue shows when a turn waits behind the running one", () => {
    expect(renderHudLine(state({ queue: 1 }))).not.toContain("queue");
    expect(renderHudLine(state({ queue: 3 }))).toContain("| qwen2.5-1.5b | queue 3 | 12.3 tok/s |");
    expect(renderHudLine(state({ queue: 2 }), { color: true })).toContain("#[fg=yellow]queue 2#[fg=default]");
  });

  test("health while booting, degraded and failed", () => {
    expect(renderHudLine(state({ health: "starting" }))).toContain("| starting |");
    expect(renderHudLine(state({ health: "degraded" }))).toContain("| degraded |");
    expect(renderHudLine(state({ health: "failed" }))).toContain("| failed |");
  });

  test("what is unknown is left out: no session, no turn yet, no sensor, no memory reading", () => {
    const { session: _s, lastTurnTokensPerSecond: _t, temperatureCelsius: _c, memory: _m, ...bare } = state();
    expect(renderHudLine(bare)).toBe("~/vault | ok | qwen2.5-1.5b | 09:05");
  });

  test("fast turns drop the decimal", () => {
    expect(renderHudLine(state({ lastTurnTokensPerSecond: 153.7 }))).toContain("| 154 tok/s |");
  });
});

describe("renderHudLine fits a width", () => {
  const full = renderHudLine(state());

  test("a wide enough width changes nothing", () => {
    expect(renderHudLine(state(), { width: full.length + 10 })).toBe(full);
    expect(renderHudLine(state(), { width: Bun.stringWidth(full) })).toBe(full);
  });

  test("segments go least important first: vault, session, tokens/s, temperature, memory", () => {
    const widths = [Bun.stringWidth(full) - 1, 60, 50, 40, 30, 25];
    const lines = widths.map((width) => renderHudLine(state(), { width }));
    for (const [i, line] of lines.entries())
      expect(Bun.stringWidth(line)).toBeLessThanOrEqual(widths[i] ?? 0);
    expect(lines[0]).toBe("ember | ok | qwen2.5-1.5b | 12.3 tok/s | mem 2.0/8.0G | 52°C | 09:05");
    expect(lines.at(-1)).toBe("ok | qwen2.5-1.5b | 09:05");
  });

  test("health and model survive longest; a last segment too wide is cut with an ellipsis", () => {
    expect(renderHudLine(state(), { width: 17 })).toBe("ok | qwen2.5-1.5b");
    expect(renderHudLine(state(), { width: 8 })).toBe("ok");
    const cut = renderHudLine(state({ health: "degraded" }), { width: 5 });
    expect(cut).toBe("degr…");
  });
});

describe("renderHudLine for tmux", () => {
  test("colours health, model, temperature and memory with #[fg=…] and resets after each", () => {
    const line = renderHudLine(
      state({ temperatureCelsius: 83, memory: { usedBytes: 7.5 * GiB, totalBytes: 8 * GiB } }),
      { color: true },
    );
    expect(line).toContain("#[fg=green]ok#[fg=default]");
    expect(line).toContain("#[fg=green]qwen2.5-1.5b#[fg=default]");
    expect(line).toContain("#[fg=red]83°C#[fg=default]");
    expect(line).toContain("#[fg=red]mem 7.5/8.0G#[fg=default]");
  });

  test("warning colours: degraded and loading in yellow, failed in red", () => {
    const line = renderHudLine(state({ health: "degraded", model: { state: "loading" } }), { color: true });
    expect(line).toContain("#[fg=yellow]degraded#[fg=default]");
    expect(line).toContain("#[fg=yellow]loading#[fg=default]");
    expect(renderHudLine(state({ health: "failed" }), { color: true })).toContain("#[fg=red]failed");
  });

  test("a # in the text is doubled so tmux shows it instead of reading a format", () => {
    const line = renderHudLine(state({ vault: "/srv/#notes", home: "/home/op" }), { color: true });
    expect(line).toContain("/srv/##notes");
    expect(renderHudLine(state({ vault: "/srv/#notes" }))).toContain("/srv/#notes");
  });

  test("the width counts what is shown, not the styles", () => {
    const plain = renderHudLine(state(), { width: 50 });
    const styled = renderHudLine(state(), { width: 50, color: true });
    expect(styled.replace(/#\[[^\]]*\]/g, "")).toBe(plain);
  });
});

describe("shortenPath", () => {
  test("home becomes ~, and only a whole folder name matches", () => {
    expect(shortenPath("/home/op/vault", "/home/op")).toBe("~/vault");
    expect(shortenPath("/home/op", "/home/op")).toBe("~");
    expect(shortenPath("/home/operator/vault", "/home/op")).toBe("/home/operator/vault");
  });

  test("a long path keeps its last two folders", () => {
    expect(shortenPath("/media/data/ember/vaults/field-station/main", "/root")).toBe("…/field-station/main");
    expect(shortenPath("/x/a-very-long-folder-name-indeed/and-another-long-one", undefined, 20)).toHaveLength(
      20,
    );
  });
});

describe("the REPL's facts shared through tmux", () => {
  test("round-trip what the publisher writes", () => {
    const facts = {
      model: { state: "ready" as const, name: "llama" },
      queue: 2,
      lastTurnTokensPerSecond: 12.5,
    };
    expect(parseReplFacts(JSON.stringify(replFacts({ ...facts })))).toEqual(facts);
    expect(replFacts({})).toEqual({});
  });

  test("anything malformed is left out, not shown wrong", () => {
    expect(parseReplFacts("")).toEqual({});
    expect(parseReplFacts("not json")).toEqual({});
    expect(parseReplFacts("[1]")).toEqual({});
    expect(parseReplFacts('{"model":{"state":"dancing"},"queue":-1,"lastTurnTokensPerSecond":-1}')).toEqual(
      {},
    );
    expect(parseReplFacts('{"model":{"state":"loading","name":3},"lastTurnTokensPerSecond":"9"}')).toEqual({
      model: { state: "loading" },
    });
  });
});
