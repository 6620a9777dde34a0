/**
 * Text Ember did not write (documents, file names, plugin and command output, model output,
 * echoed input) made safe for a terminal: every control character is shown, never obeyed.
 *
 * The notation is Unicode's Control Pictures, one visible character per control character,
 * so widths and columns stay predictable:
 * - C0 controls U+0000..U+001F become U+2400..U+241F: ESC `␛`, BEL `␇`, NUL `␀`, CR `␍`;
 * - DEL U+007F becomes `␡`;
 * - C1 controls U+0080..U+009F (8-bit forms of `ESC x`, which some terminals obey) become `␛`
 *   followed by the 7-bit letter they stand for: CSI U+009B is `␛[`, OSC U+009D is `␛]`.
 * So `\x1b]0;PWNED\x07` prints as `␛]0;PWNED␇` and `\x1b[2J` as `␛[2J`.
 *
 * Escape sequences are not parsed, only their control characters are replaced: nothing is
 * dropped, and a sequence split across chunks of a stream is as harmless as a whole one.
 */

/** Every control character except tab and newline (what multi-line text may keep). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Every control character (a one-line field: a file name, an echoed input). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS_IN_LINE = /[\u0000-\u001f\u007f-\u009f]/g;

/** The visible stand-in for one control character (see the module comment for the notation). */
export function controlPicture(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  if (code >= 0x80 && code <= 0x9f) return `\u241b${String.fromCharCode(code - 0x40)}`;
  return char;
}

/**
 * Multi-line untrusted text for display: newlines and tabs stay, a Windows line end (CR LF)
 * is an ordinary newline, every other control character (a lone CR included, which could
 * overwrite what is already on the line) is shown as its picture.
 */
export function sanitizeText(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(CONTROLS_IN_TEXT, controlPicture);
}

/** One-line untrusted text (a file name, an echoed input): newlines and tabs are shown too. */
export function sanitizeLine(text: string): string {
  return text.replace(CONTROLS_IN_LINE, controlPicture);
}

/** Sanitizes a stream chunk by chunk (streamed model output, a plugin's output as it comes). */
export interface StreamSanitizer {
  /** The safe form of this chunk; a CR at its very end waits to see whether LF follows. */
  write(chunk: string): string;
  /** What is still held back when the stream ends. */
  end(): string;
}

export function createStreamSanitizer(): StreamSanitizer {
  let heldCarriageReturn = false;
  return {
    write(chunk) {
      let text = heldCarriageReturn ? `\r${chunk}` : chunk;
      heldCarriageReturn = text.endsWith("\r");
      if (heldCarriageReturn) text = text.slice(0, -1);
      return sanitizeText(text);
    },
    end() {
      const rest = heldCarriageReturn ? controlPicture("\r") : "";
      heldCarriageReturn = false;
      return rest;
    },
  };
}

/**
 * JSON for a terminal (`--json`): JSON.stringify escapes C0 controls inside strings but writes DEL
 * and the C1 controls raw. Here they are `\u` escapes too: the document means exactly the same,
 * and cannot drive the terminal it is printed on.
 */
export function terminalJson(value: unknown): string {
  return escapeJsonControls(JSON.stringify(value, null, 2));
}

/** DEL and C1 controls in JSON text as `\u` escapes (the only controls JSON.stringify leaves raw). */
export function escapeJsonControls(json: string): string {
  return json.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
