import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatMLChatWrapper,
  GgufFileType,
  LlamaChatSession,
  type LlamaContext,
  readGgufFileInfo,
  resolveChatWrapper,
} from "node-llama-cpp";
import {
  createTinyContext,
  loadTinyModel,
  type TinyModelOptions,
  testLlama,
  tinyModelPath,
} from "../helpers/models.ts";

const SCRIPT = join(import.meta.dir, "..", "..", "scripts", "make-tiny-model.ts");
const dir = mkdtempSync(join(tmpdir(), "ember-make-tiny-model-"));
const contexts: LlamaContext[] = [];
afterAll(async () => {
  for (const context of contexts) await context.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function makeTinyModel(...args: string[]) {
  const run = Bun.spawnSync([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

async function tinyContext(options: TinyModelOptions = {}): Promise<LlamaContext> {
  const context = await createTinyContext(options);
  contexts.push(context);
  return context;
}

/** The planner's shape, bounded so a random model must close the object within the token budget. */
const PLAN_SCHEMA = {
  type: "object",
  properties: {
    response: { type: "string", maxLength: 24 },
    commands: {
      type: "array",
      maxItems: 2,
      items: {
        type: "object",
        properties: {
          name: { enum: ["status", "help", "search"] },
          args: { type: "string", maxLength: 12 },
        },
      },
    },
  },
} as const;

describe("make-tiny-model CLI", () => {
  test("writes a model under 2 MB and prints its path and size", () => {
    const out = join(dir, "cli.gguf");
    const run = makeTinyModel(out);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const size = statSync(out).size;
    expect(size).toBeLessThan(2 * 1024 * 1024);
    expect(run.stdout).toStartWith(`${out}\t${size} bytes\t`);
  });

  test("the same seed gives the same bytes, another seed other bytes", () => {
    const paths = ["a", "b", "c"].map((name) => join(dir, `seed-${name}.gguf`));
    expect(makeTinyModel(paths[0]!, "--seed", "5").exitCode).toBe(0);
    expect(makeTinyModel(paths[1]!, "--seed", "5").exitCode).toBe(0);
    expect(makeTinyModel(paths[2]!, "--seed", "6").exitCode).toBe(0);
    const [a, b, c] = paths.map((path) => readFileSync(path));
    expect(a!.equals(b!)).toBe(true);
    expect(c!.length).toBe(a!.length);
    expect(a!.equals(c!)).toBe(false);
  });

  test("the CLI writes the same bytes as the test helper for the same options", () => {
    const out = join(dir, "helper-match.gguf");
    expect(makeTinyModel(out, "--layers", "3", "--embd", "96", "--seed", "9").exitCode).toBe(0);
    expect(readFileSync(out).equals(readFileSync(tinyModelPath({ layers: 3, embd: 96, seed: 9 })))).toBe(
      true,
    );
  });

  test.each([
    [[], /^make-tiny-model: missing output path/],
    [
      ["x.gguf", "--embd", "40"],
      /^make-tiny-model: --embd must be a multiple of 32 from 32 to 1024, got '40'$/,
    ],
    [["x.gguf", "--layers", "0"], /^make-tiny-model: --layers must be an integer from 1 to 64, got '0'$/],
    [
      ["x.gguf", "--type", "q5_k"],
      /^make-tiny-model: --type must be one of f32, f16, q8_0, q4_0, got 'q5_k'$/,
    ],
    [["x.gguf", "--wat"], /^make-tiny-model: Unknown option '--wat'$/],
    [["x.gguf", "y.gguf"], /^make-tiny-model: unexpected argument 'y.gguf'$/],
  ])("rejects %p with one line and exit status 2", (args, message) => {
    const run = makeTinyModel(...args);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});

describe("the tiny model in node-llama-cpp", () => {
  test("readGgufFileInfo reports name, architecture, size, file type and context length", async () => {
    const info = await readGgufFileInfo(tinyModelPath());
    expect(info.metadata.general.name).toBe("Ember Tiny Test Model");
    expect(String(info.metadata.general.architecture)).toBe("llama");
    expect(info.metadata.general.size_label).toMatch(/^\d+K$/);
    expect(info.metadata.general.file_type).toBe(GgufFileType.ALL_F32);
    expect(info.architectureMetadata.context_length).toBe(4096);
    expect(info.architectureMetadata.block_count).toBe(2);
    expect(info.architectureMetadata.embedding_length).toBe(64);
    expect(info.metadata.tokenizer.ggml.model).toBe("llama");
    expect(info.metadata.tokenizer.chat_template).toContain("<|im_start|>");
    const tokens = info.metadata.tokenizer.ggml.tokens;
    expect(tokens[info.metadata.tokenizer.ggml.eos_token_id!]).toBe("<|im_end|>");
  });

  test("text round-trips through tokenize and detokenize", async () => {
    const model = await loadTinyModel();
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
    for (const text of [
      "Hello, world!",
      '{"response": "ok", "commands": [{"name": "status"}]}',
      `${printable}\n\ttabs and\r\nnewlines  double  spaces `,
      " leading space",
    ]) {
      const tokens = model.tokenize(text);
      expect(model.detokenize(tokens)).toBe(text);
    }
    // Whole-word tokens keep ordinary text shorter than its characters.
    expect(model.tokenize("hello world").length).toBeLessThan("hello world".length / 2);
  });

  test("ChatML markers are single control tokens and <|im_end|> ends generation", async () => {
    const model = await loadTinyModel();
    const [start] = model.tokenize("<|im_start|>", true);
    const end = model.tokenize("<|im_end|>", true);
    expect(end).toHaveLength(1);
    expect(start).toBeDefined();
    expect(model.tokens.eos).toBe(end[0]!);
    expect(model.isEogToken(end[0]!)).toBe(true);
    // Without special parsing the same text is plain characters.
    expect(model.tokenize("<|im_end|>").length).toBeGreaterThan(1);
  });

  test("resolveChatWrapper picks the ChatML chat wrapper", async () => {
    const model = await loadTinyModel();
    expect(resolveChatWrapper(model)).toBeInstanceOf(ChatMLChatWrapper);
  });

  test("a chat session under a JSON schema grammar produces JSON that fits the schema", async () => {
    const llama = await testLlama();
    const context = await tinyContext();
    const session = new LlamaChatSession({ contextSequence: context.getSequence() });
    expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
    const grammar = await llama.createGrammarForJsonSchema(PLAN_SCHEMA);
    let generated = 0;
    const text = await session.prompt("Show the status", {
      grammar,
      maxTokens: 256,
      seed: 1,
      temperature: 0.8,
      onToken: (tokens) => {
        generated += tokens.length;
      },
    });
    expect(generated).toBeGreaterThan(5);
    const plan: unknown = JSON.parse(text);
    // grammar.parse also validates the value against the schema.
    const parsed = grammar.parse(text);
    expect(plan).toEqual(parsed);
    expect(typeof parsed.response).toBe("string");
    expect(Array.isArray(parsed.commands)).toBe(true);
    for (const command of parsed.commands) expect(["status", "help", "search"]).toContain(command.name);
  });

  test.each(["f16", "q8_0", "q4_0"] as const)(
    "a %s model loads and predicts a finite distribution",
    async (type) => {
      const context = await tinyContext({ type });
      const model = context.model;
      const info = await readGgufFileInfo(tinyModelPath({ type }));
      expect(info.metadata.general.file_type).toBe(
        { f16: GgufFileType.MOSTLY_F16, q8_0: GgufFileType.MOSTLY_Q8_0, q4_0: GgufFileType.MOSTLY_Q4_0 }[
          type
        ],
      );
      const sequence = context.getSequence();
      const evaluation = sequence.evaluateWithMetadata(model.tokenize("hello world"), {
        probabilities: true,
      });
      const first = await evaluation.next();
      await evaluation.return();
      const probabilities = first.value?.probabilities;
      expect(probabilities?.size).toBeGreaterThan(1);
      let total = 0;
      for (const p of probabilities!.values()) {
        expect(Number.isFinite(p)).toBe(true);
        total += p;
      }
      expect(total).toBeCloseTo(1, 2);
      sequence.dispose();
    },
  );
});
