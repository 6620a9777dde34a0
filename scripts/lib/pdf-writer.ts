/**
 * Writes real PDF files for the tests and `make bench`: a catalog, a page tree, one Helvetica
 * font, a content stream per page drawing its lines of text (each at its own font size), an
 * optional outline, a cross-reference table with true byte offsets and a trailer. Nothing is
 * downloaded: every PDF the suite reads is made here.
 *
 * A page may instead carry only an image (a scan: no text layer), and a document may be marked
 * encrypted (a standard security handler whose password is not the empty one).
 */

export interface PdfLine {
  text: string;
  /** Font size in points. Default 11. */
  size?: number;
}

export interface PdfPage {
  lines?: PdfLine[];
  /** Draw a small grey image instead of text: a scanned page. */
  image?: boolean;
  /** The page's content stream as given, already encoded with `filter` (a decompression bomb). */
  contents?: { filter: "FlateDecode"; data: Uint8Array };
}

export interface PdfOutlineItem {
  title: string;
  /** 1-based page the entry points to. */
  page: number;
}

export interface PdfOptions {
  outline?: PdfOutlineItem[];
  /** Adds an /Encrypt dictionary that needs a password the reader does not have. */
  encrypted?: boolean;
}

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 72;
const DEFAULT_SIZE = 11;

export function makePdf(pages: readonly PdfPage[], options: PdfOptions = {}): Uint8Array {
  const objects: string[] = [];
  /** Reserves an object number; its body is set later (objects refer to each other both ways). */
  const reserve = () => {
    objects.push("");
    return objects.length;
  };
  const set = (n: number, body: string) => {
    objects[n - 1] = body;
  };

  const catalog = reserve();
  const pageTree = reserve();
  const font = reserve();
  set(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");

  const pageRefs: number[] = [];
  for (const page of pages) {
    const pageObj = reserve();
    const content = reserve();
    pageRefs.push(pageObj);
    let resources = `/Font << /F1 ${font} 0 R >>`;
    let drawing: string;
    if (page.image) {
      const image = reserve();
      const pixels = "80".repeat(64);
      set(
        image,
        stream(
          `/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /ASCIIHexDecode`,
          `${pixels}>`,
        ),
      );
      resources += ` /XObject << /Im1 ${image} 0 R >>`;
      drawing = `q ${PAGE_WIDTH - 2 * MARGIN} 0 0 ${PAGE_HEIGHT - 2 * MARGIN} ${MARGIN} ${MARGIN} cm /Im1 Do Q`;
    } else {
      drawing = textOperators(page.lines ?? []);
    }
    const raw = page.contents;
    set(
      content,
      raw === undefined
        ? stream("", drawing)
        : stream(`/Filter /${raw.filter}`, Buffer.from(raw.data).toString("latin1")),
    );
    set(
      pageObj,
      `<< /Type /Page /Parent ${pageTree} 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources << ${resources} >> /Contents ${content} 0 R >>`,
    );
  }
  set(
    pageTree,
    `<< /Type /Pages /Kids [${pageRefs.map((r) => `${r} 0 R`).join(" ")}] /Count ${pageRefs.length} >>`,
  );

  let outlineEntry = "";
  const outline = options.outline ?? [];
  if (outline.length > 0) {
    const root = reserve();
    const items = outline.map(() => reserve());
    items.forEach((n, i) => {
      const target = pageRefs[outline[i]!.page - 1];
      if (target === undefined) throw new RangeError(`outline entry points to page ${outline[i]!.page}`);
      const links = [
        `/Parent ${root} 0 R`,
        i > 0 ? `/Prev ${items[i - 1]} 0 R` : "",
        i < items.length - 1 ? `/Next ${items[i + 1]} 0 R` : "",
      ].join(" ");
      set(
        n,
        `<< /Title ${pdfString(outline[i]!.title)} ${links} /Dest [${target} 0 R /XYZ 0 ${PAGE_HEIGHT} 0] >>`,
      );
    });
    set(
      root,
      `<< /Type /Outlines /First ${items[0]} 0 R /Last ${items[items.length - 1]} 0 R /Count ${items.length} >>`,
    );
    outlineEntry = ` /Outlines ${root} 0 R /PageMode /UseOutlines`;
  }
  set(catalog, `<< /Type /Catalog /Pages ${pageTree} 0 R${outlineEntry} >>`);

  let encryptEntry = "";
  if (options.encrypted) {
    // Revision 2 with owner and user hashes that match no password the reader tries: a PDF
    // reader must ask for the password, exactly as with a real protected manual.
    const encrypt = reserve();
    const hash = `<${"5a".repeat(32)}>`;
    set(encrypt, `<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O ${hash} /U ${hash} >>`);
    encryptEntry = ` /Encrypt ${encrypt} 0 R`;
  }

  const parts: string[] = ["%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n"];
  const offsets: number[] = [];
  let length = latin1Length(parts[0]!);
  for (const [i, body] of objects.entries()) {
    offsets.push(length);
    const text = `${i + 1} 0 obj\n${body}\nendobj\n`;
    parts.push(text);
    length += latin1Length(text);
  }
  const xref = [
    "xref",
    `0 ${objects.length + 1}`,
    "0000000000 65535 f ",
    ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n `),
  ].join("\n");
  const id = `<${"0123456789abcdef".repeat(2)}>`;
  parts.push(
    `${xref}\ntrailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /ID [${id} ${id}]${encryptEntry} >>\n` +
      `startxref\n${length}\n%%EOF\n`,
  );
  return new Uint8Array(Buffer.from(parts.join(""), "latin1"));
}

/** One BT…ET block per line, top to bottom; line spacing follows each line's font size. */
function textOperators(lines: readonly PdfLine[]): string {
  const ops: string[] = [];
  let y = PAGE_HEIGHT - MARGIN;
  for (const line of lines) {
    const size = line.size ?? DEFAULT_SIZE;
    y -= size * 1.4;
    if (line.text !== "")
      ops.push(`BT /F1 ${size} Tf ${MARGIN} ${round(y)} Td ${pdfString(line.text)} Tj ET`);
  }
  return ops.join("\n");
}

function stream(dictionary: string, data: string): string {
  return `<< ${dictionary}${dictionary === "" ? "" : " "}/Length ${latin1Length(data)} >>\nstream\n${data}\nendstream`;
}

/** A literal string: WinAnsi text with the three special characters escaped. */
function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

function latin1Length(text: string): number {
  return Buffer.byteLength(text, "latin1");
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
