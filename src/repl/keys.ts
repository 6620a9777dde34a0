/**
 * Decodes the bytes a terminal sends in raw mode into key events.
 *
 * Pure: the caller threads a `KeyDecoderState` through successive calls, because a
 * terminal may split one escape sequence, one UTF-8 character or one bracketed paste
 * across several reads. Runs of printable characters come out as one `text` event so a
 * large paste costs one edit, not one per character.
 */

export type KeyName =
  | "enter"
  | "tab"
  | "shift-tab"
  | "backspace"
  | "delete"
  | "escape"
  | "up"
  | "down"
  | "left"
  | "right"
  | "home"
  | "end"
  | "word-left"
  | "word-right"
  | "ctrl-a"
  | "ctrl-b"
  | "ctrl-c"
  | "ctrl-d"
  | "ctrl-e"
  | "ctrl-f"
  | "ctrl-g"
  | "ctrl-k"
  | "ctrl-l"
  | "ctrl-n"
  | "ctrl-p"
  | "ctrl-r"
  | "ctrl-u"
  | "ctrl-w"
  | "ctrl-y"
  | "alt-backspace"
  | "alt-d"
  | "alt-enter";

export type KeyEvent =
  | { type: "key"; name: KeyName }
  | { type: "text"; text: string }
  | { type: "paste"; text: string }
  /** A control character or escape sequence with no meaning here; shown for diagnosis only. */
  | { type: "unknown"; sequence: string };

export interface KeyDecoderState {
  /** Bytes held back because they may be the start of a longer sequence. */
  readonly pending: Uint8Array;
  /** Inside ESC[200~ … ESC[201~: everything is literal text until the end marker. */
  readonly inPaste: boolean;
  /** The previous chunk ended in CR, so a leading LF belongs to that Enter (CR LF is one Enter). */
  readonly afterCr: boolean;
}

export const initialKeyDecoderState: KeyDecoderState = {
  pending: new Uint8Array(0),
  inPaste: false,
  afterCr: false,
};

export interface DecodeResult {
  state: KeyDecoderState;
  events: KeyEvent[];
}

const ESC = 0x1b;
const PASTE_END = [ESC, 0x5b, 0x32, 0x30, 0x31, 0x7e]; // ESC [ 2 0 1 ~

const CONTROL_KEYS: Record<number, KeyName> = {
  1: "ctrl-a",
  2: "ctrl-b",
  3: "ctrl-c",
  4: "ctrl-d",
  5: "ctrl-e",
  6: "ctrl-f",
  7: "ctrl-g",
  8: "backspace",
  9: "tab",
  10: "enter",
  11: "ctrl-k",
  12: "ctrl-l",
  13: "enter",
  14: "ctrl-n",
  16: "ctrl-p",
  18: "ctrl-r",
  21: "ctrl-u",
  23: "ctrl-w",
  25: "ctrl-y",
  127: "backspace",
};

/**
 * Arrows, Home and End by their final byte. Terminals send them as CSI (ESC [ A) in normal cursor
 * mode and as SS3 (ESC O A) in application mode: the CSI table includes them, and they are all the
 * SS3 sequences decoded.
 */
const CURSOR_KEYS: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

/** CSI sequences by their parameter and final byte ("" parameter = none). */
const CSI_KEYS: Record<string, KeyName> = {
  ...CURSOR_KEYS,
  Z: "shift-tab",
  "1~": "home",
  "7~": "home",
  "4~": "end",
  "8~": "end",
  "3~": "delete",
  "1;5C": "word-right",
  "1;5D": "word-left",
  "1;3C": "word-right",
  "1;3D": "word-left",
  "1;5H": "home",
  "1;5F": "end",
};

const ALT_KEYS: Record<number, KeyName> = {
  98: "word-left", // Alt-b
  102: "word-right", // Alt-f
  100: "alt-d",
  127: "alt-backspace",
  8: "alt-backspace",
  13: "alt-enter", // ESC CR, what terminals send for Alt-Enter (ESC LF from some)
  10: "alt-enter",
};

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const latin1 = new TextDecoder("latin1");

/**
 * Decode `chunk` after whatever `state` held back. With `final` set, nothing is held
 * back: a lone ESC becomes the Escape key and a truncated sequence is reported as is.
 * The editor passes `final` when no further byte arrived shortly after a chunk.
 */
export function decodeKeys(state: KeyDecoderState, chunk: Uint8Array, final = false): DecodeResult {
  const bytes = concat(state.pending, chunk);
  const events: KeyEvent[] = [];
  let inPaste = state.inPaste;
  let i = !inPaste && state.afterCr && bytes[0] === 0x0a ? 1 : 0;

  while (i < bytes.length) {
    if (inPaste) {
      const end = indexOfSequence(bytes, PASTE_END, i);
      if (end === -1) {
        // Keep back a tail that could be the start of the end marker or of a split character.
        const keep = final ? bytes.length : safeTextEnd(bytes, i, heldMarkerStart(bytes, i));
        if (keep > i) pushPaste(events, utf8.decode(bytes.subarray(i, keep)));
        i = keep;
        break;
      }
      if (end > i) pushPaste(events, utf8.decode(bytes.subarray(i, end)));
      i = end + PASTE_END.length;
      inPaste = false;
      continue;
    }

    const byte = bytes[i]!;
    if (byte === ESC) {
      const parsed = parseEscape(bytes, i, final);
      if (parsed === "incomplete") break;
      i = parsed.next;
      if (parsed.pasteStart) inPaste = true;
      else if (parsed.event) events.push(parsed.event);
      continue;
    }

    if (byte < 0x20 || byte === 0x7f) {
      // CR LF is one Enter: pasted Windows text must not submit an empty line after each line.
      if (byte === 0x0d && bytes[i + 1] === 0x0a) i++;
      const name = CONTROL_KEYS[byte];
      events.push(name ? { type: "key", name } : { type: "unknown", sequence: String.fromCharCode(byte) });
      i++;
      continue;
    }

    let end = i;
    while (end < bytes.length && isTextByte(bytes[end]!)) end++;
    const textEnd = final ? end : safeTextEnd(bytes, i, end);
    if (textEnd === i) break;
    pushText(events, utf8.decode(bytes.subarray(i, textEnd)));
    i = textEnd;
  }

  const afterCr = !inPaste && i === bytes.length && bytes[i - 1] === 0x0d;
  return { state: { pending: bytes.slice(i), inPaste, afterCr }, events };
}

function isTextByte(byte: number): boolean {
  return byte >= 0x20 && byte !== 0x7f;
}

type EscapeParse = "incomplete" | { next: number; event?: KeyEvent; pasteStart?: boolean };

function parseEscape(bytes: Uint8Array, start: number, final: boolean): EscapeParse {
  const raw = (end: number) => latin1.decode(bytes.subarray(start, end));
  const introducer = bytes[start + 1];
  if (introducer === undefined) {
    return final ? { next: start + 1, event: { type: "key", name: "escape" } } : "incomplete";
  }

  if (introducer === 0x5b /* [ */) {
    let j = start + 2;
    while (j < bytes.length && bytes[j]! >= 0x20 && bytes[j]! <= 0x3f) j++;
    const finalByte = bytes[j];
    if (finalByte === undefined) {
      return final ? { next: j, event: { type: "unknown", sequence: raw(j) } } : "incomplete";
    }
    const next = j + 1;
    if (finalByte < 0x40 || finalByte > 0x7e)
      return { next: j, event: { type: "unknown", sequence: raw(j) } };
    const body = latin1.decode(bytes.subarray(start + 2, next));
    if (body === "200~") return { next, pasteStart: true };
    if (body === "201~") return { next }; // a stray paste end carries nothing
    const name = CSI_KEYS[body];
    return { next, event: name ? { type: "key", name } : { type: "unknown", sequence: raw(next) } };
  }

  if (introducer === 0x4f /* O */) {
    const code = bytes[start + 2];
    if (code === undefined) {
      return final ? { next: start + 2, event: { type: "unknown", sequence: raw(start + 2) } } : "incomplete";
    }
    const name = CURSOR_KEYS[String.fromCharCode(code)];
    return {
      next: start + 3,
      event: name ? { type: "key", name } : { type: "unknown", sequence: raw(start + 3) },
    };
  }

  // ESC before another ESC or before a non-ASCII character is a lone Escape press.
  if (introducer === ESC || introducer >= 0x80)
    return { next: start + 1, event: { type: "key", name: "escape" } };

  const alt = ALT_KEYS[introducer];
  if (alt) return { next: start + 2, event: { type: "key", name: alt } };
  return { next: start + 2, event: { type: "unknown", sequence: raw(start + 2) } };
}

/**
 * The end of the text run `bytes[start, end)` that is safe to decode now: a UTF-8
 * character cut off by the end of the chunk is held back for the next chunk.
 */
function safeTextEnd(bytes: Uint8Array, start: number, end: number): number {
  if (end < bytes.length) return end; // the run stopped at a non-text byte, so it is complete
  for (let back = 1; back <= 3 && end - back >= start; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back && byte >= 0xc2 && byte <= 0xf4 ? end - back : end;
  }
  return end;
}

/** Where a possibly-split paste end marker starts at the end of `bytes`, or bytes.length. */
function heldMarkerStart(bytes: Uint8Array, from: number): number {
  for (let len = Math.min(PASTE_END.length - 1, bytes.length - from); len > 0; len--) {
    const at = bytes.length - len;
    let matches = true;
    for (let k = 0; k < len && matches; k++) matches = bytes[at + k] === PASTE_END[k];
    if (matches) return at;
  }
  return bytes.length;
}

function indexOfSequence(bytes: Uint8Array, sequence: number[], from: number): number {
  const first = sequence[0]!;
  for (let i = bytes.indexOf(first, from); i !== -1; i = bytes.indexOf(first, i + 1)) {
    if (i + sequence.length > bytes.length) return -1;
    let k = 1;
    while (k < sequence.length && bytes[i + k] === sequence[k]) k++;
    if (k === sequence.length) return i;
  }
  return -1;
}

function pushText(events: KeyEvent[], text: string): void {
  const last = events.at(-1);
  if (last?.type === "text") events[events.length - 1] = { type: "text", text: last.text + text };
  else events.push({ type: "text", text });
}

function pushPaste(events: KeyEvent[], text: string): void {
  const last = events.at(-1);
  if (last?.type === "paste") events[events.length - 1] = { type: "paste", text: last.text + text };
  else events.push({ type: "paste", text });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
