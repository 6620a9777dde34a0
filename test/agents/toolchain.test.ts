import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkModel, createToolchainAgent, loadLlamaAddon, tmuxVersion } from "../../src/agents/toolchain.ts";
import { EMBER_VERSION } from "../../src/update/version.ts";
import { tempDir, testConfig, testContext } from "./context.ts";

const root = tempDir("ember-toolchain-");
// The agent tests fix $SHELL so they do not depend on the login shell of whoever runs them (CI may have none).
const SH = { SHELL: "/bin/sh" };
afterAll(root.cleanup);

const cwd = join(root.dir, "cwd");
const vault = join(root.dir, "vault");
const withModel = join(root.dir, "vault-with-model");
mkdirSync(cwd);
mkdirSync(join(vault, "models"), { recursive: true });
mkdirSync(join(withModel, "models"), { recursive: true });
// An existence check only: the file does not have to be a real model.
writeFileSync(join(withModel, "models", "tiny-q4.gguf"), "GGUF");

describe("checkModel", () => {
  test("nothing anywhere: no path, and the places searched are listed", () => {
    const found = checkModel(testConfig(vault), vault, cwd, []);
    expect(found).toEqual({ found: 0, searched: [join(cwd, "models"), join(vault, "models")] });
  });

  test("a .gguf in the vault's models/ is found", () => {
    expect(checkModel(testConfig(withModel), withModel, cwd, [])).toMatchObject({
      path: join(withModel, "models", "tiny-q4.gguf"),
      found: 1,
    });
  });

  test("llm.model (or LLAMA_CPP_MODEL) naming a file is that file", () => {
    const file = join(root.dir, "elsewhere.gguf");
    writeFileSync(file, "GGUF");
    const config = testConfig(vault, (c) => {
      c.llm.model = file;
    });
    expect(checkModel(config, vault, cwd, []).path).toBe(file);
  });
});

test("tmuxVersion reads `tmux -V`, and a missing tmux rejects", async () => {
  expect(await tmuxVersion("tmux")).toMatch(/^\d+\.\d+[a-z]?$/);
  await expect(tmuxVersion(join(root.dir, "no-tmux"))).rejects.toThrow();
});

test("an unusable login shell degrades the agent and names where it came from", async () => {
  const agent = createToolchainAgent({ cwd, systemModelFolders: [], env: { SHELL: join(root.dir, "nosh") } });
  const outcome = await agent.run(testContext(withModel));
  expect(outcome.status).toBe("degraded");
  expect(outcome.summary).toBe(`no login shell ($SHELL: ${join(root.dir, "nosh")})`);
});

describe("toolchain agent", () => {
  test("loads the real llama addon and reports its build", async () => {
    const info = await loadLlamaAddon(testConfig(vault));
    expect(info.buildType).toMatch(/^(prebuilt|localBuild)$/);
    expect(info.llamaCpp).toContain("@");
    expect(info.gpu).toBe(false);
    expect(info.runtime.mode).toBe("source");
  });

  test("ok with tmux, a shell, a model and the addon; details carry versions", async () => {
    const agent = createToolchainAgent({ cwd, systemModelFolders: [], env: SH });
    const outcome = await agent.run(testContext(withModel));
    expect(outcome.status).toBe("ok");
    expect(outcome.summary).toMatch(
      new RegExp(
        `^tmux \\S+, \\w+, bun ${Bun.version}, ember ${EMBER_VERSION}, model tiny-q4\\.gguf, llama \\w+$`,
      ),
    );
    expect(outcome.details).toMatchObject({
      tmux: { found: true },
      shell: { usable: true },
      bun: Bun.version,
      ember: EMBER_VERSION,
      model: { path: join(withModel, "models", "tiny-q4.gguf") },
      addon: { loadable: true, gpu: false },
    });
  });

  test("no model is degraded, naming every folder searched and what works here", async () => {
    const agent = createToolchainAgent({ cwd, systemModelFolders: [], env: SH });
    const outcome = await agent.run(testContext(vault));
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toStartWith(
      `no model found; looked in ${join(cwd, "models")}, ${join(vault, "models")} — put a .gguf file in one of them or set LLAMA_CPP_MODEL=/path/to/model.gguf; to try Ember without real weights, \`bun `,
    );
    // From a checkout, the tiny-model script; without an update channel, no `ember model pull`.
    expect(outcome.summary).toContain(
      "scripts/make-tiny-model.ts models/tiny.gguf` writes a tiny random one",
    );
    expect(outcome.summary).not.toContain("ember model pull");
  });

  test("a configured model that is not there is named; with a channel, pulling is offered", async () => {
    const agent = createToolchainAgent({ cwd, systemModelFolders: [], env: SH });
    const config = testConfig(vault, (c) => {
      c.llm.model = "qwen-0.5b";
      c.update.channel = "https://updates.example/stable";
    });
    const outcome = await agent.run(testContext(vault, { config }));
    expect(outcome.summary).toStartWith(`no model matches "qwen-0.5b"; looked in ${join(cwd, "models")}, `);
    expect(outcome.summary).toContain("run `ember model pull NAME` to fetch one");
  });

  test("a missing tmux is degraded, not failed", async () => {
    const agent = createToolchainAgent({
      tmux: join(root.dir, "no-tmux"),
      cwd,
      systemModelFolders: [],
      env: SH,
    });
    const outcome = await agent.run(testContext(withModel));
    expect(outcome.status).toBe("degraded");
    expect(outcome.summary).toStartWith("tmux not usable (");
    expect(outcome.details.tmux).toMatchObject({ found: false });
  });

  test("in a client attached to the engine the addon is not loaded: it is the engine's", async () => {
    let loads = 0;
    const agent = createToolchainAgent({
      cwd,
      systemModelFolders: [],
      env: SH,
      loadAddon: () => {
        loads++;
        return Promise.reject(new Error("loaded"));
      },
    });
    const outcome = await agent.run(testContext(withModel, { modelInProcess: false }));
    expect(loads).toBe(0);
    expect(outcome).toMatchObject({ status: "ok", details: { addon: { inEngine: true } } });
    expect(outcome.summary).toEndWith(", llama in the engine");
  });

  test("an addon that cannot load is degraded with its error", async () => {
    const agent = createToolchainAgent({
      cwd,
      systemModelFolders: [],
      env: SH,
      loadAddon: () => Promise.reject(new Error("libllama.so: cannot open shared object file")),
    });
    const outcome = await agent.run(testContext(withModel));
    expect(outcome).toMatchObject({
      status: "degraded",
      summary: "llama addon not loadable (libllama.so: cannot open shared object file)",
      details: { addon: { loadable: false, error: "libllama.so: cannot open shared object file" } },
    });
  });
});
