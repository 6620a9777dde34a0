import { statSync } from "node:fs";
import { basename } from "node:path";
import type { GgmlType, GgufFileType, GgufTensorInfo } from "node-llama-cpp";
import { ModelFileError } from "./errors.ts";

/** What `/model` shows about a model file, read from its GGUF header without loading any weights. */
export interface ModelInfo {
  path: string;
  /** `general.name`, else the file name without `.gguf`. */
  name: string;
  architecture: string;
  /** Total weights, counted from the tensor shapes. */
  parameters: number;
  /** `general.size_label` when the file has one (e.g. "3B"). */
  sizeLabel?: string;
  /** e.g. "Q4_K_M", from `general.file_type`. */
  quantization: string;
  /** The context length the model was trained for. */
  contextLength?: number;
  fileSize: number;
  /** mtime in ms, part of the model's identity for caches. */
  modifiedMs: number;
}

// (elements per block, bytes per block) per ggml type name, as in ggml.c's type_traits. Types missing
// here only weaken the truncation check to "the last tensor starts inside the file".
const BLOCKS: Partial<Record<keyof typeof GgmlType, readonly [number, number]>> = {
  F32: [1, 4],
  F16: [1, 2],
  BF16: [1, 2],
  F64: [1, 8],
  I8: [1, 1],
  I16: [1, 2],
  I32: [1, 4],
  I64: [1, 8],
  Q4_0: [32, 18],
  Q4_1: [32, 20],
  Q5_0: [32, 22],
  Q5_1: [32, 24],
  Q8_0: [32, 34],
  Q8_1: [32, 36],
  Q2_K: [256, 84],
  Q3_K: [256, 110],
  Q4_K: [256, 144],
  Q5_K: [256, 176],
  Q6_K: [256, 210],
  Q8_K: [256, 292],
  IQ2_XXS: [256, 66],
  IQ2_XS: [256, 74],
  IQ3_XXS: [256, 98],
  IQ1_S: [256, 50],
  IQ4_NL: [32, 18],
  IQ3_S: [256, 110],
  IQ2_S: [256, 82],
  IQ4_XS: [256, 136],
  IQ1_M: [256, 56],
  TQ1_0: [256, 54],
  TQ2_0: [256, 66],
  MXFP4: [32, 17],
};

function elements(tensor: GgufTensorInfo): number {
  return tensor.dimensions.reduce<number>((n, d) => n * Number(d), 1);
}

/** Where the last byte of tensor data should be, as far as the header tells. */
function expectedEnd(tensors: readonly GgufTensorInfo[], types: typeof GgmlType): number {
  let end = 0;
  for (const tensor of tensors) {
    const block = BLOCKS[types[tensor.ggmlType] as keyof typeof GgmlType];
    const bytes = block ? Math.ceil(elements(tensor) / block[0]) * block[1] : 1;
    end = Math.max(end, Number(tensor.fileOffset) + bytes);
  }
  return end;
}

function quantizationName(fileType: number | undefined, names: typeof GgufFileType): string {
  if (fileType === undefined) return "unknown";
  const name = names[fileType];
  return name ? name.replace(/^(MOSTLY|ALL)_/, "") : `type ${fileType}`;
}

/**
 * Reads a model's header and checks that the file holds all the data the header announces, so a
 * truncated download is reported as such instead of failing deep inside llama.cpp.
 * Throws ModelFileError for anything that is not a complete, readable single-file GGUF.
 */
export async function readModelInfo(path: string): Promise<ModelInfo> {
  let size: number;
  let modifiedMs: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new ModelFileError(path, "not a file");
    size = stat.size;
    modifiedMs = stat.mtimeMs;
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw new ModelFileError(path, `cannot read: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      cause: error,
    });
  }
  // Imported here, not at the top: node-llama-cpp is ~38 MiB resident, and a client attached to the
  // engine that never reads a model file (the engine does) should not hold it.
  const { GgmlType, GgufFileType, readGgufFileInfo } = await import("node-llama-cpp");
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(path, { readTensorInfo: true, ignoreKeys: ["tokenizer.ggml.merges"] });
  } catch (error) {
    const message = (error as Error).message;
    const reason = /magic/i.test(message)
      ? "not a GGUF file (wrong magic bytes)"
      : `corrupt or truncated GGUF header (${message.split("\n")[0]})`;
    throw new ModelFileError(path, reason, { cause: error });
  }
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  const headerEnd = Number(info.infoEndOffset ?? 0);
  if (tensors.length === 0 || tensors.some((t) => t.name === "") || headerEnd > size)
    throw new ModelFileError(path, `truncated: the header ends past the end of the file (${size} bytes)`);
  const end = expectedEnd(tensors, GgmlType);
  if (end > size)
    throw new ModelFileError(path, `truncated: the tensors need ${end} bytes but the file has ${size}`);

  const general = info.metadata.general;
  const architecture = String(general?.architecture ?? "unknown");
  const archMetadata = (info.metadata as Record<string, unknown>)[architecture] as
    | { context_length?: number }
    | undefined;
  return {
    path,
    name: general?.name ? String(general.name) : basename(path).replace(/\.gguf$/i, ""),
    architecture,
    parameters: tensors.reduce((n, t) => n + elements(t), 0),
    ...(general?.size_label ? { sizeLabel: String(general.size_label) } : {}),
    quantization: quantizationName(general?.file_type, GgufFileType),
    ...(archMetadata?.context_length ? { contextLength: Number(archMetadata.context_length) } : {}),
    fileSize: size,
    modifiedMs,
  };
}

/** "135K", "3.2B": how parameter counts read in model listings. */
export function formatParameters(count: number): string {
  for (const [unit, scale] of [
    ["T", 1e12],
    ["B", 1e9],
    ["M", 1e6],
    ["K", 1e3],
  ] as const) {
    if (count >= scale) return `${Number((count / scale).toPrecision(3))}${unit}`;
  }
  return String(count);
}
