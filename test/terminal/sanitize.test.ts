import { expect, test } from "bun:test";
import {
  controlPicture,
  createStreamSanitizer,
  escapeJsonControls,
  sanitizeLine,
  sanitizeText,
  terminalJson,
} from "../../src/terminal/sanitize.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: checking for control characters is the point.
const ANY_CONTROL_BUT_TAB_AND_NEWLINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test("a title-setting OSC and a screen clear are shown, not obeyed", () => {
  expect(sanitizeText("a\x1b]0;PWNED\x07b\x1b[2Jc")).toBe("a␛]0;PWNED␇b␛[2Jc");
});

test("multi-line text keeps newlines and tabs; CR LF is a newline, a lone CR is shown", () => {
  expect(sanitizeText("one\ttwo\r\nthree\n")).toBe("one\ttwo\nthree\n");
  expect(sanitizeText("secret\rfake")).toBe("secret␍fake");
});

test("a one-line field shows newlines and tabs too", () => {
  expect(sanitizeLine("a\nb\tc\r")).toBe("a␊b␉c␍");
});

test("every C0 control, DEL and every C1 control has a visible stand-in; printable text is untouched", () => {
  let all = "";
  for (let code = 0; code <= 0xa0; code++) all += String.fromCharCode(code);
  const shown = sanitizeLine(all);
  expect(ANY_CONTROL_BUT_TAB_AND_NEWLINE.test(shown)).toBe(false);
  expect(shown).not.toContain("\n");
  expect(shown).not.toContain("\t");
  expect(controlPicture("\x00")).toBe("␀");
  expect(controlPicture("\x7f")).toBe("␡");
  expect(controlPicture("\x9b")).toBe("␛[");
  expect(controlPicture("\x9d")).toBe("␛]");
  expect(sanitizeLine("café ☕ naïve 日本 ~")).toBe("café ☕ naïve 日本 ~");
});

test("a stream split inside an escape sequence and inside CR LF gives what the whole text gives", () => {
  const text = "x\x1b]0;PWNED\x07y\r\nz\x1b[2J\r";
  for (let cut = 0; cut <= text.length; cut++) {
    for (let cut2 = cut; cut2 <= text.length; cut2++) {
      const stream = createStreamSanitizer();
      const parts = [text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)];
      const out = parts.map((p) => stream.write(p)).join("") + stream.end();
      expect(out).toBe(sanitizeText(text));
    }
  }
});

test("JSON for a terminal escapes DEL and C1 controls as JSON.stringify escapes C0; the data is unchanged", () => {
  const value = { path: "docs/\x1b]0;PWNED\x07.md", note: "csi\u009b2J del\x7f" };
  const json = terminalJson(value);
  expect(ANY_CONTROL_BUT_TAB_AND_NEWLINE.test(json)).toBe(false);
  expect(json).toContain("csi\\u009b2J del\\u007f");
  expect(JSON.parse(json)).toEqual(value);
  expect(escapeJsonControls('{"a":"\u0085"}')).toBe('{"a":"\\u0085"}');
});
