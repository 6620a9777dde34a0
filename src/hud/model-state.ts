import { basename } from "node:path";
import { ModelNotFoundError } from "../llm/errors.ts";
import type { ModelState } from "../llm/model-loader.ts";
import type { HudModel } from "./state.ts";

/**
 * The HUD's view of the model loader's state: none, loading (and which file), ready + name, failed.
 * Finding no model file at all is "none", not a failure: it is the normal state before one is added.
 */
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
      return state.error instanceof ModelNotFoundError ? { state: "none" } : { state: "failed" };
  }
}
