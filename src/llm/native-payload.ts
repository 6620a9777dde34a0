import type { Target } from "../update/targets.ts";
import type { RuntimeManifest } from "./runtime-dir.ts";

/**
 * The native runtime embedded in this executable: the manifest of the addon files for its target,
 * and the embedded folder they are copied from. Running from source nothing is embedded
 * (node-llama-cpp finds its addon in node_modules); `scripts/build.ts` replaces this module's
 * text in the bundle with the real manifest for the target it builds.
 */
export interface NativePayload {
  /** The build target this executable was made for. */
  target: Target;
  manifest: RuntimeManifest;
  /** The embedded folder, relative to the executable's virtual root (`import.meta.dir`). */
  embeddedDir: string;
  /** node-llama-cpp's prebuilt folder name for the target, e.g. `linux-arm64`. */
  binsFolder: string;
}

export const NATIVE_PAYLOAD: NativePayload | undefined = undefined;
