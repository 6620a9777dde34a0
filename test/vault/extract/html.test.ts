import { describe, expect, test } from "bun:test";
import { extractHtml } from "../../../src/vault/extract/html.ts";

const lines = (html: string) =>
  extractHtml(html).map((l) => (l.heading ? `${"#".repeat(l.heading)} ${l.text}` : l.text));

describe("extractHtml", () => {
  test("keeps headings, paragraphs, lists and tables as text", () => {
    const html = `<!doctype html><html><head><title>Saved page</title></head><body><main>
      <h1>Field radio</h1><p>The radio runs on <b>12&nbsp;V</b> &amp; draws 2 A.<br>Second line.</p>
      <h2>Antenna</h2>
      <ul><li>Extend the mast</li><li>Check SWR<ul><li>below 1.5</li></ul></li></ul>
      <ol start="3"><li>three</li><li>four</li></ol>
      <table><caption>Bands</caption><tr><th>Band</th><th>Range</th></tr><tr><td>HF</td><td>3|30 MHz</td></tr></table>
      <pre>tune --band hf
  --power 5</pre></main></body></html>`;
    expect(lines(html)).toEqual([
      "# Field radio",
      "",
      "The radio runs on 12 V & draws 2 A.",
      "Second line.",
      "",
      "## Antenna",
      "",
      "- Extend the mast",
      "- Check SWR",
      "  - below 1.5",
      "",
      "3. three",
      "4. four",
      "",
      "Bands",
      "| Band | Range |",
      "| HF | 3/30 MHz |",
      "",
      "tune --band hf",
      "  --power 5",
    ]);
  });

  test("drops scripts, styles, navigation and hidden elements", () => {
    const html = `<html><head><style>p { color: red }</style><script>var token = "SCRIPT";</script></head>
      <body><nav><a href="/">Home</a></nav><div role="navigation">Skip links</div>
      <noscript>Enable JS</noscript><p hidden>Hidden</p><p aria-hidden="true">Also hidden</p>
      <h1>Water</h1><p>Boil for one minute.</p><template><p>Template</p></template></body></html>`;
    expect(lines(html)).toEqual(["# Water", "", "Boil for one minute."]);
  });

  test("a page without an h1 is headed by its title; line numbers count from 1", () => {
    const out = extractHtml("<title> Pump  care </title><p>Prime the pump.</p>");
    expect(out).toEqual([
      { text: "Pump care", heading: 1, no: 1 },
      { text: "", no: 2 },
      { text: "Prime the pump.", no: 3 },
    ]);
  });
});
