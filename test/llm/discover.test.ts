import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chooseModel, discoverModels } from "../../src/llm/discover.ts";
import { ModelNotFoundError } from "../../src/llm/errors.ts";

const ADVICE = "what works on this node";
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ember-discover-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function touch(path: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "GGUF");
  return path;
}

function layout() {
  const cwd = tempDir();
  const vaultDir = join(cwd, "vault");
  const system = tempDir();
  mkdirSync(vaultDir, { recursive: true });
  return { cwd, vaultDir, systemFolders: [system], system };
}

describe("discoverModels", () => {
  test("empty setting: the first folder holding a model wins, and in it the first by name", () => {
    const where = layout();
    touch(join(where.vaultDir, "models", "b.gguf"));
    touch(join(where.vaultDir, "models", "a.gguf"));
    touch(join(where.system, "z.gguf"));
    const found = discoverModels({ ...where, setting: "" });
    expect(found.chosen?.path).toBe(join(where.vaultDir, "models", "a.gguf"));
    expect(found.models.map((m) => m.name)).toEqual(["a", "b", "z"]);
    touch(join(where.cwd, "models", "sub", "c.gguf"));
    expect(discoverModels({ ...where, setting: "" }).chosen?.path).toBe(
      join(where.cwd, "models", "sub", "c.gguf"),
    );
  });

  test("a file setting (LLAMA_CPP_MODEL) wins over every folder", () => {
    const where = layout();
    touch(join(where.cwd, "models", "a.gguf"));
    const file = touch(join(tempDir(), "picked.gguf"));
    expect(chooseModel({ ...where, setting: file }, ADVICE)).toBe(file);
  });

  test("a folder setting searches that folder; a name matches a file name anywhere", () => {
    const where = layout();
    const folder = tempDir();
    touch(join(folder, "m2.gguf"));
    touch(join(where.system, "Qwen-3B.gguf"));
    expect(chooseModel({ ...where, setting: folder }, ADVICE)).toBe(join(folder, "m2.gguf"));
    expect(chooseModel({ ...where, setting: "qwen-3b" }, ADVICE)).toBe(join(where.system, "Qwen-3B.gguf"));
  });

  test("split models are listed by their first part only; other files are ignored", () => {
    const where = layout();
    touch(join(where.cwd, "models", "big-00001-of-00002.gguf"));
    touch(join(where.cwd, "models", "big-00002-of-00002.gguf"));
    touch(join(where.cwd, "models", "notes.txt"));
    expect(discoverModels({ ...where, setting: "" }).models.map((m) => m.name)).toEqual([
      "big-00001-of-00002",
    ]);
  });

  test("nothing found: the error lists every place searched and how to get a model", () => {
    const where = layout();
    const error = (() => {
      try {
        chooseModel({ ...where, setting: "" }, ADVICE);
      } catch (e) {
        return e as ModelNotFoundError;
      }
    })();
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error?.message).toContain(join(where.cwd, "models"));
    expect(error?.message).toContain(join(where.vaultDir, "models"));
    expect(error?.message).toContain(where.system);
    expect(error?.message).toEndWith(` — ${ADVICE}`);
    expect(() => chooseModel({ ...where, setting: "/nowhere/x.gguf" }, ADVICE)).toThrow(
      'no model matches "/nowhere/x.gguf"; looked in /nowhere/x.gguf — ',
    );
  });
});
