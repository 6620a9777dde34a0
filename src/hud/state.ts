import type { Health } from "../status/report.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";

/** What the running model is doing, as the model layer reports it. */
export interface HudModel {
  state: "none" | "loading" | "ready" | "failed";
  /** The model's name (file name without .gguf is fine); shown for loading, ready and failed. */
  name?: string;
}

/** Everything the HUD line shows. Plain data: the publisher and `ember hud` fill it in. */
export interface HudState {
  /** The tmux session; left out when there is none worth naming. */
  session?: string;
  /** The vault folder, absolute. */
  vault: string;
  /** Shortens the vault path to `~/…`; left out, the path is shown as it is. */
  home?: string;
  /** `starting` until the boot agents have reported. */
  health: Health | "starting";
  model: HudModel;
  /** Turns running or waiting in the engine; shown when there is more than the one running. */
  queue?: number;
  lastTurnTokensPerSecond?: number;
  memory?: { usedBytes: number; totalBytes: number };
  /** Left out on machines without the sensor. */
  temperatureCelsius?: number;
  time: Date;
}

export interface HudRenderOptions {
  /** Display cells the line may take; segments are dropped (least important first) to fit. */
  width?: number;
  /** tmux `#[fg=…]` styles; without them the line is plain text (`ember hud`). */
  color?: boolean;
}

type Colour = "green" | "yellow" | "red" | "colour244";

interface Segment {
  text: string;
  colour?: Colour;
  /** Higher survives longer when the line must shrink. */
  keep: number;
}

const SEPARATOR = " | ";
const ELLIPSIS = "…";

/**
 * The HUD as one line. With `color`, the text is ready for a tmux format (`#` doubled, styles as
 * `#[fg=…]`); without it, it is what a person reads in a terminal.
 */
export function renderHudLine(state: HudState, options: HudRenderOptions = {}): string {
  const color = options.color === true;
  // The vault path and the model's name (from its GGUF file) are not Ember's words: shown, never obeyed.
  let segments = hudSegments(state).map((s) => ({ ...s, text: sanitizeLine(s.text) }));
  const width = options.width;
  if (width !== undefined) {
    while (segments.length > 1 && plainWidth(segments) > width) {
      const weakest = segments.reduce((low, s) => (s.keep < low.keep ? s : low));
      segments = segments.filter((s) => s !== weakest);
    }
    const [only] = segments;
    if (segments.length === 1 && only && plainWidth(segments) > width)
      segments = [{ ...only, text: truncate(only.text, width) }];
  }
  return segments.map((s) => (color ? styled(s) : s.text)).join(color ? styledSeparator() : SEPARATOR);
}

function hudSegments(state: HudState): Segment[] {
  const segments: Segment[] = [];
  if (state.session) segments.push({ text: state.session, colour: "colour244", keep: 3 });
  segments.push({ text: shortenPath(state.vault, state.home), keep: 2 });
  segments.push({ text: state.health, colour: healthColour(state.health), keep: 9 });
  segments.push({ text: modelText(state.model), ...modelColour(state.model), keep: 8 });
  if (state.queue !== undefined && state.queue > 1)
    segments.push({ text: `queue ${state.queue}`, colour: "yellow", keep: 5 });
  const speed = state.lastTurnTokensPerSecond;
  if (speed !== undefined && Number.isFinite(speed))
    segments.push({ text: `${speed.toFixed(speed >= 100 ? 0 : 1)} tok/s`, keep: 4 });
  if (state.memory) segments.push(memorySegment(state.memory));
  const celsius = state.temperatureCelsius;
  if (celsius !== undefined && Number.isFinite(celsius))
    segments.push({ text: `${Math.round(celsius)}°C`, ...temperatureColour(celsius), keep: 5 });
  segments.push({ text: clock(state.time), keep: 7 });
  return segments;
}

/** `~/…` for the home folder; long paths keep their last two folders. */
export function shortenPath(path: string, home?: string, maxLength = 32): string {
  let shown = path;
  if (home && home !== "/" && (path === home || path.startsWith(`${home}/`)))
    shown = `~${path.slice(home.length)}`;
  if (shown.length <= maxLength) return shown;
  const parts = shown.split("/").filter(Boolean);
  const tail = parts.slice(-2).join("/");
  return `${ELLIPSIS}/${tail}`.length <= maxLength ? `${ELLIPSIS}/${tail}` : truncateStart(tail, maxLength);
}

function modelText(model: HudModel): string {
  const name = model.name ? ` ${model.name}` : "";
  switch (model.state) {
    case "none":
      return "no model";
    case "loading":
      return `loading${name}`;
    case "ready":
      return model.name ? model.name : "model ready";
    case "failed":
      return `model failed${name}`;
  }
}

function modelColour(model: HudModel): { colour?: Colour } {
  if (model.state === "ready") return { colour: "green" };
  if (model.state === "loading") return { colour: "yellow" };
  if (model.state === "failed") return { colour: "red" };
  return { colour: "colour244" };
}

function healthColour(health: HudState["health"]): Colour {
  if (health === "ok") return "green";
  if (health === "failed") return "red";
  if (health === "degraded") return "yellow";
  return "colour244";
}

function memorySegment(memory: { usedBytes: number; totalBytes: number }): Segment {
  const share = memory.totalBytes > 0 ? memory.usedBytes / memory.totalBytes : 0;
  const text = `mem ${gibibytes(memory.usedBytes)}/${gibibytes(memory.totalBytes)}G`;
  return { text, keep: 6, ...(share >= 0.9 ? { colour: "red" } : share >= 0.75 ? { colour: "yellow" } : {}) };
}

function temperatureColour(celsius: number): { colour?: Colour } {
  if (celsius >= 80) return { colour: "red" };
  if (celsius >= 70) return { colour: "yellow" };
  return {};
}

function gibibytes(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}

function clock(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

function plainWidth(segments: Segment[]): number {
  const texts = segments.map((s) => s.text);
  return Bun.stringWidth(texts.join(SEPARATOR));
}

function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  let out = "";
  for (const char of text) {
    if (Bun.stringWidth(out + char + ELLIPSIS) > width) return out + ELLIPSIS;
    out += char;
  }
  return out;
}

function truncateStart(text: string, maxLength: number): string {
  return ELLIPSIS + text.slice(text.length - (maxLength - 1));
}

/** tmux reads `#` as the start of a format or style; `##` is a literal one. */
function escapeForTmux(text: string): string {
  return text.replaceAll("#", "##");
}

function styled(segment: Segment): string {
  const text = escapeForTmux(segment.text);
  return segment.colour ? `#[fg=${segment.colour}]${text}#[fg=default]` : text;
}

function styledSeparator(): string {
  return `#[fg=colour244]${SEPARATOR}#[fg=default]`;
}
