import { formatBytes } from "../terminal/bytes.ts";
import { sanitizeLine } from "../terminal/sanitize.ts";
import { type DiscoverOptions, discoverModels } from "./discover.ts";
import { formatParameters, type ModelInfo, readModelInfo } from "./model-info.ts";

export interface ListedModel {
  path: string;
  name: string;
  /** The header's metadata, or why it could not be read. */
  info?: ModelInfo;
  problem?: string;
  /** The one loaded (or, before loading, the one Ember would load). */
  active: boolean;
}

/** Every discovered model with its GGUF metadata; `activePath` marks the one in use. */
export async function listModels(
  options: DiscoverOptions,
  activePath?: string,
): Promise<{ models: ListedModel[]; searched: string[] }> {
  const discovery = discoverModels(options);
  const active = activePath ?? discovery.chosen?.path;
  const models = await Promise.all(
    discovery.models.map(async (model): Promise<ListedModel> => {
      const base = { path: model.path, name: model.name, active: model.path === active };
      try {
        return { ...base, info: await readModelInfo(model.path) };
      } catch (error) {
        return { ...base, problem: (error as Error).message };
      }
    }),
  );
  return { models, searched: discovery.searched };
}

/** Table rows: a header, then one row per model, the active one marked with `*`. */
export function modelTableRows(models: readonly ListedModel[]): string[][] {
  const rows = [["", "NAME", "ARCH", "PARAMS", "QUANT", "CONTEXT", "SIZE", "FILE"]];
  for (const model of models) {
    const info = model.info;
    // Names and metadata come from the GGUF files: shown, never obeyed.
    const row = [
      model.active ? "*" : "",
      info?.name ?? model.name,
      info?.architecture ?? "?",
      info ? (info.sizeLabel ?? formatParameters(info.parameters)) : "?",
      info?.quantization ?? "?",
      info?.contextLength ? String(info.contextLength) : "?",
      info ? formatBytes(info.fileSize) : "?",
      model.path,
    ];
    rows.push(row.map(sanitizeLine));
  }
  return rows;
}
