import type { App } from "../app.ts";
import { EXIT } from "../cli/exit-codes.ts";
import { colorWanted, createStyle } from "../terminal/style.ts";
import { watchInstalledBinary } from "../update/installed-watch.ts";
import { renderBanner } from "./banner.ts";
import { LineEditor } from "./editor.ts";
import { createLineHandler, type LineHandlerOptions } from "./line-handler.ts";
import { PipedLineReader } from "./piped-input.ts";
import { type SpeculativePrefill, watchTyping } from "./prefill-while-typing.ts";
import { streamOutput } from "./terminal-output.ts";

export interface ReplIo {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
}

export interface ReplOptions {
  booted: Promise<unknown>;
  ask: LineHandlerOptions["ask"];
  /** Told about the plain-language line being typed, to prepare its answer before Enter. */
  prefill?: SpeculativePrefill;
  /** Piped: run every line even after one fails, and exit 0 (before 0.2, the only behaviour). */
  keepGoing?: boolean;
  inEngine?: LineHandlerOptions["inEngine"];
  termination?: LineHandlerOptions["termination"];
}

/**
 * Runs the REPL until quit or end of input; resolves to the exit code. Piped input stops at the
 * first line that fails and exits 1, as `sh -e` would, so a script notices; --keep-going runs on.
 */
export async function runRepl(app: App, io: ReplIo, options: ReplOptions): Promise<number> {
  // A terminal gets the prompt and banner even when TERM=dumb (the editor then reads whole lines).
  const interactive = io.input.isTTY === true && io.output.isTTY === true;
  const style = createStyle(colorWanted(io.output, io.env));
  const out = streamOutput(io.output);
  const handle = createLineHandler({
    app,
    out,
    style,
    booted: options.booted,
    interactive,
    ask: options.ask,
    ...(options.inEngine ? { inEngine: options.inEngine } : {}),
    ...(options.prefill ? { prefill: options.prefill } : {}),
    ...(options.termination ? { termination: options.termination } : {}),
  });
  app.logger.log.info("repl start", { interactive, vault: app.settings.vaultDir, version: app.version });

  if (!interactive) {
    // Piped: every line runs in order, with no prompt or banner mixed into the output.
    const reader = new PipedLineReader(io.input);
    for (let line = await reader.next(); line !== null; line = await reader.next()) {
      const outcome = await handle(line);
      if (outcome === "quit") break;
      if (outcome === "failed" && !options.keepGoing) return EXIT.failure;
    }
    return EXIT.ok;
  }

  const typing = options.prefill ? watchTyping(options.prefill) : undefined;
  const editor = new LineEditor({
    input: io.input,
    output: io.output,
    history: app.history.lines,
    color: style.enabled,
    env: io.env,
    complete: (line, cursor) => app.commands.complete(line, cursor, app),
    onClearScreen: () => renderBanner(app, style, true),
    ...(typing ? { onEdit: typing.edited } : {}),
  });
  io.output.write(renderBanner(app, style, editor.editing));
  let interrupts = 0;
  // One stat per prompt: tells the operator once when an upgrade replaced the binary under us.
  const upgraded = watchInstalledBinary();
  let upgradeNoticed = false;
  try {
    for (;;) {
      const notice = upgradeNoticed ? undefined : upgraded();
      if (notice) {
        out.line(style.cyan(notice));
        upgradeNoticed = true;
      }
      const result = await editor.read(app.settings.config.repl.prompt);
      typing?.entered();
      if (result.kind === "eof") break;
      if (result.kind === "interrupt") {
        if (++interrupts >= 2) break;
        out.line(style.dim("(Ctrl-C again, Ctrl-D or quit to leave)"));
        continue;
      }
      interrupts = 0;
      if ((await handle(result.text)) === "quit") break;
    }
  } finally {
    editor.close();
  }
  return EXIT.ok;
}
