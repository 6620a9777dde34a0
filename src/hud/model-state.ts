import { basename } from "node:path";
import type { ModelState } from "../llm/model-loader.ts";
import type { HudModel } from "./state.ts";

/** The HUD's view of the model loader's state: none, loading (and which file), ready + name, failed. */
export function hudModelFrom(state: ModelState): HudModel {
  switch (state.kind) {
    case "none":
      return { state: "none" };
    case "loading":
      return state.path
        ? { state: "loading", name: basename(state.path).replace(/\.gguf$/i, "") }
        : { state: "loading" };
    case "ready":
      return { state: "ready", name: state.bridge.info.name };
    case "failed":
      return { state: "failed" };
  }
}
