import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CI_ONLY, emberEnv, MAIN, REPO } from "../helpers/ember-cli.ts";
import { TmuxSession } from "../helpers/tmux.ts";

// `ember completion zsh` and the appliance's templates/zshrc, typed into a real interactive zsh.

const root = mkdtempSync(join(tmpdir(), "ember-zsh-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const vault = join(root, "vault");
mkdirSync(join(vault, "models"), { recursive: true });
writeFileSync(join(vault, "models", "tiny-q4.gguf"), "");
// `ember` on PATH is this checkout, as the operator's shell finds the appliance's binary.
const bin = join(root, "bin");
mkdirSync(bin);
writeFileSync(join(bin, "ember"), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`);
chmodSync(join(bin, "ember"), 0o755);

let zsh: TmuxSession | undefined;
afterEach(async () => {
  await zsh?.kill();
  zsh = undefined;
});

const PROMPT = "zsh>";

/**
 * An interactive `zsh -f` (no rc file of the machine's or the user's) that sources `rc`, then sets
 * a known prompt. Sourcing must print nothing: an error in the script would show here.
 */
async function startZsh(rc: string, searchPath: string): Promise<TmuxSession> {
  const home = mkdtempSync(join(root, "home-"));
  const rcFile = join(home, "rc.zsh");
  writeFileSync(rcFile, `${rc}\nPROMPT='${PROMPT} '\n`);
  const session = await TmuxSession.start({
    command: ["zsh", "-f"],
    env: emberEnv(vault, { TERM: "screen", HOME: home, PATH: searchPath }),
    unset: [...CI_ONLY],
    cwd: vault,
    width: 100,
    height: 30,
  });
  zsh = session;
  // zsh -f's own prompt (%m%# ) first: text typed before it would be echoed twice.
  await session.waitFor(/[#%]$/);
  await session.sendText(`source ${rcFile}`);
  await session.sendKeys("Enter");
  const screen = await session.waitFor(new RegExp(`^${PROMPT}$`, "m"));
  expect(screen.split("\n").slice(1)).toEqual([PROMPT]);
  return session;
}

/** Types `line` on a cleared screen and presses TAB; waits until `done` holds for the screen. */
async function tab(session: TmuxSession, line: string, done: (screen: string) => boolean): Promise<string> {
  await session.sendKeys("C-u", "C-l");
  await session.waitFor((screen) => screen === PROMPT);
  await session.sendText(line);
  await session.sendKeys("Tab");
  return session.waitFor(done, { timeoutMs: 10_000 });
}

/** TAB completes `line` to the single match: the edited line reads `completed`. */
async function completes(session: TmuxSession, line: string, completed: string): Promise<void> {
  const screen = await tab(session, line, (s) => s.startsWith(`${PROMPT} ${completed}`));
  expect(screen).toBe(`${PROMPT} ${completed}`);
}

/** TAB lists the matches below the line: exactly `expected`, in any column order. */
async function lists(session: TmuxSession, line: string, expected: string[]): Promise<void> {
  const listed = (screen: string) => screen.split("\n").slice(1).join(" ").split(/\s+/).filter(Boolean);
  const screen = await tab(session, line, (s) => expected.every((word) => listed(s).includes(word)));
  expect(screen.split("\n")[0]).toBe(`${PROMPT} ${line.trimEnd()}`);
  expect(listed(screen).sort()).toEqual([...expected].sort());
}

const PATH_WITH_EMBER = `${bin}:${process.env.PATH}`;

describe("zsh completion, typed into a real zsh", () => {
  test("`ember completion zsh` after compinit: subcommands, options, model names, files after a value", async () => {
    const session = await startZsh(
      ["autoload -U compinit && compinit -u", 'eval "$(ember completion zsh)"'].join("\n"),
      PATH_WITH_EMBER,
    );
    await completes(session, "ember sta", "ember status");
    await completes(session, "ember --k", "ember --keep-going");
    await lists(session, "ember model ", ["pull", "--json", "--names", "--help"]);
    await lists(session, "ember index --", ["--json", "--help"]);
    await lists(session, "ember completion ", ["bash", "zsh", "--help"]);
    // Model names come from `ember model --names`, run by the completion itself.
    await completes(session, "ember model pull ti", "ember model pull tiny-q4");
    // After an option that takes a value the shell's own file completion takes over.
    await completes(session, "ember search --limit mo", "ember search --limit models/");
  });

  test("the appliance's zshrc loads it: ember found through the path it puts first", async () => {
    // Rendered as scripts/provision.sh does; /usr/local/bin, where the appliance links ember, is
    // this test's bin folder, and the shell starts without it on PATH, as a non-login shell may.
    const data = join(root, "data");
    mkdirSync(data);
    const zshrc = readFileSync(join(REPO, "templates", "zshrc"), "utf8")
      .replaceAll("@EMBER_DATA_DIR@", data)
      .replaceAll("/usr/local/bin", bin);
    expect(zshrc).not.toContain("@EMBER_");
    const session = await startZsh(zshrc, process.env.PATH ?? "/usr/bin:/bin");
    await completes(session, "ember sta", "ember status");
    await completes(session, "ember model pull ti", "ember model pull tiny-q4");
  });
});
