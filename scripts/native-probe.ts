/**
 * A stand-in entry point that exercises the native runtime alone, from source or compiled:
 *
 *   bun scripts/native-probe.ts [MODEL.gguf] [--runtime-dir DIR] [--tokens N] [--threads N]
 *   bun scripts/build.ts --entry scripts/native-probe.ts --target linux-x64 && dist/ember MODEL.gguf
 *
 * It loads llama through src/llm/native.ts, then (given a model) evaluates a prompt and a few
 * greedy tokens, and prints one JSON line: where the addon came from, how long each step took and
 * the generated token ids. Exit status 1 with `{"error": ...}` on failure.
 */
import { parseArgs } from "node:util";
import { loadLlama, nativeRuntimeInfo } from "../src/llm/native.ts";
import { isCompiled } from "../src/os/compiled.ts";

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    "runtime-dir": { type: "string" },
    tokens: { type: "string" },
    threads: { type: "string" },
  },
});

try {
  const threads = Number(values.threads ?? 1);
  const started = performance.now();
  const llama = await loadLlama({ runtimeDir: values["runtime-dir"] });
  const loadMs = performance.now() - started;
  const report: Record<string, unknown> = {
    compiled: isCompiled(),
    runtime: nativeRuntimeInfo(),
    loadLlamaMs: Math.round(loadMs),
    buildType: llama.buildType,
    gpu: llama.gpu,
    cpuMathCores: llama.cpuMathCores,
    maxThreads: llama.maxThreads,
  };
  const modelPath = positionals[0];
  if (modelPath) {
    const modelStarted = performance.now();
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 256, threads });
    const sequence = context.getSequence();
    const prompt = model.tokenize("Hello from Ember");
    const generated: number[] = [];
    const want = Number(values.tokens ?? 4);
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
      generated.push(token);
      if (generated.length >= want) break;
    }
    report.model = {
      promptTokens: prompt.length,
      generated,
      ms: Math.round(performance.now() - modelStarted),
    };
    await context.dispose();
    await model.dispose();
  }
  console.log(JSON.stringify(report));
} catch (error) {
  console.log(
    JSON.stringify({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
  process.exitCode = 1;
}
