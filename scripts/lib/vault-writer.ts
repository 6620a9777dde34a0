/**
 * The words and shapes of a generated field-manual vault (scripts/make-vault.ts, `make bench`):
 * Markdown pages, and the same kind of text as 10-page PDF manuals, saved HTML pages and EPUB
 * books. Everything comes from one seeded generator, so the same seed gives the same bytes.
 */
import { type EpubChapter, makeEpub } from "./epub-writer.ts";
import { mulberry32 } from "./mulberry32.ts";
import { makePdf, type PdfLine, type PdfPage } from "./pdf-writer.ts";

export const VOCABULARY = (
  "antenna radio frequency channel battery generator fuel filter pump valve pressure gauge relay " +
  "switch breaker circuit cable connector ground mast tower signal beacon repeater modem router " +
  "uplink satellite dish azimuth elevation bearing compass grid coordinate map route checkpoint " +
  "perimeter patrol sentry shift roster log report inventory ration water purifier tank hose " +
  "shelter tent stake tarp rope knot pulley winch vehicle engine coolant oil tire jack spare " +
  "medical kit bandage splint tourniquet triage stretcher evacuation landing zone flare smoke " +
  "weather wind rain snow temperature humidity barometer forecast storm lightning solar panel " +
  "inverter charger voltage current fuse wire insulation tape multimeter probe sensor camera " +
  "drone tripod lens lamp lantern torch headlamp bulb spare parts toolbox wrench spanner drill " +
  "bit saw axe shovel pick crowbar ladder harness helmet gloves boots goggles mask respirator " +
  "checklist procedure inspection maintenance calibration test drill rehearsal briefing debrief " +
  "station base outpost camp depot cache stockpile supply convoy escort relay handover"
).split(" ");

export const TOPICS = (
  "Antenna setup|Radio checks|Power budget|Generator maintenance|Water treatment|Shelter build|" +
  "Vehicle recovery|First aid|Navigation|Weather watch|Perimeter security|Supply inventory|" +
  "Solar array|Battery care|Signal relay|Night operations|Evacuation plan|Fuel handling|" +
  "Tool kit|Camp layout"
).split("|");

export function makeWriter(seed: number) {
  const random = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(VOCABULARY)).join(" ");
  const sentence = () => {
    const s = words(int(6, 16));
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: int(2, 6) }, sentence).join(" ");

  const section = (level: number): string[] => {
    const out = [`${"#".repeat(level)} ${pick(TOPICS)}: ${words(int(1, 3))}`, ""];
    for (let p = int(1, 3); p > 0; p--) {
      const roll = random();
      if (roll < 0.1) {
        out.push(
          "```sh",
          `# ${words(3)}`,
          `check-${pick(VOCABULARY)} --${pick(VOCABULARY)} ${int(1, 99)}`,
          "```",
        );
      } else if (roll < 0.25) {
        for (let i = int(2, 5); i > 0; i--) out.push(`- ${sentence()}`);
      } else {
        out.push(paragraph());
      }
      out.push("");
    }
    if (level < 3 && random() < 0.3) out.push(...section(level + 1));
    return out;
  };

  const page = (n: number): string => {
    const out: string[] = [];
    if (random() < 0.3) out.push("---", `title: ${pick(TOPICS)} ${n}`, `revision: ${int(1, 9)}`, "---", "");
    out.push(`# ${pick(TOPICS)} manual ${n}`, "", paragraph(), "");
    for (let s = int(1, 3); s > 0; s--) out.push(...section(2));
    return out.join("\n");
  };

  /** A paragraph broken into lines a page can hold. */
  const wrapped = (width: number): PdfLine[] => {
    const lines: PdfLine[] = [];
    let line = "";
    for (const word of paragraph().split(" ")) {
      if (line !== "" && line.length + 1 + word.length > width) {
        lines.push({ text: line });
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    if (line !== "") lines.push({ text: line });
    return [...lines, { text: "" }];
  };

  /** A PDF manual of `pages` pages: a title, then a section heading (set larger) and prose per page. */
  const pdfManual = (n: number, pages: number): Uint8Array => {
    const out: PdfPage[] = [];
    for (let p = 1; p <= pages; p++) {
      const lines: PdfLine[] = p === 1 ? [{ text: `${pick(TOPICS)} manual ${n}`, size: 20 }] : [];
      lines.push({ text: `${pick(TOPICS)}: ${words(int(1, 3))}`, size: 14 });
      for (let k = int(2, 4); k > 0; k--) lines.push(...wrapped(90));
      out.push({ lines });
    }
    return makePdf(out);
  };

  /** The body of a saved web page or a book chapter: headed sections of prose and lists. */
  const htmlBody = (title: string): string => {
    const out = [`<h1>${title}</h1>`, `<p>${paragraph()}</p>`];
    for (let s = int(2, 4); s > 0; s--) {
      out.push(`<h2>${pick(TOPICS)}: ${words(int(1, 3))}</h2>`, `<p>${paragraph()}</p>`);
      if (random() < 0.4)
        out.push(`<ul>${Array.from({ length: int(2, 5) }, () => `<li>${sentence()}</li>`).join("")}</ul>`);
    }
    return out.join("\n");
  };

  /** A saved web page: the article with the site's navigation, script and style around it. */
  const htmlPage = (n: number): string =>
    `<!doctype html><html><head><title>${pick(TOPICS)} ${n}</title><style>body{margin:0}</style>` +
    `<script>window.analytics = { page: ${n} };</script></head><body>` +
    `<nav><a href="/">Home</a> <a href="/manuals">Manuals</a></nav><main>` +
    `${htmlBody(`${pick(TOPICS)} guide ${n}`)}</main></body></html>`;

  const epubBook = (n: number, chapters: number): Uint8Array => {
    const list: EpubChapter[] = Array.from({ length: chapters }, (_, c) => {
      const title = `${pick(TOPICS)} chapter ${c + 1}`;
      return { title, body: htmlBody(title) };
    });
    return makeEpub(`Field book ${n}`, list);
  };

  return { page, paragraph, pdfManual, htmlPage, epubBook };
}
