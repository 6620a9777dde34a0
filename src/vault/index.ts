/**
 * The vault's full-text index: `<vault>/state/index.sqlite`, an FTS5 table over document chunks
 * ranked by bm25 with headings weighted above body text.
 *
 * The index is a cache of `docs/` and the core documents, so it is rebuilt rather than repaired: a
 * corrupt or foreign-schema file is moved aside (`index.sqlite.corrupt-<time>`) and a fresh index is
 * built in its place. Updates are
 * incremental (size/mtime, then sha256) and land in one transaction, so a crash or an abort never
 * leaves a half-written index. On a read-only vault the index is a copy in memory (see
 * openInMemory): search works, and nothing is written.
 */
import { Database, constants as sqlite } from "bun:sqlite";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { readFileInside, UnsafeFileError } from "../fs/safe-open.ts";
import type { Chunk } from "./chunk.ts";
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits, formatOf, maxFileBytes } from "./extract/formats.ts";
import { ExtractionSandbox } from "./extract/sandbox.ts";
import { ingestDocument } from "./ingest.ts";
import { toMatchExpression } from "./query.ts";
import { errorCode, type SkippedFile, scanVaultFiles } from "./scan.ts";

export const INDEX_FILE = join("state", "index.sqlite");

/** Text files above this size are skipped: a vault document this large is almost surely not prose. */
export const DEFAULT_MAX_FILE_BYTES = DEFAULT_EXTRACT_LIMITS.maxTextFileBytes;

export const DEFAULT_SEARCH_LIMIT = 10;

/** bm25 column weights: a word in the heading trail counts this many times a word in the body. */
const HEADING_WEIGHT = 4;
const BODY_WEIGHT = 1;

/**
 * Bumped whenever the tables change shape. An index of an older version this file knows how to
 * migrate is migrated in place (MIGRATIONS); any other version is rebuilt.
 */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE files (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  sha256 TEXT NOT NULL,
  problem TEXT
) WITHOUT ROWID;
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  seq INTEGER NOT NULL,
  heading TEXT NOT NULL,
  body TEXT NOT NULL,
  line_start INTEGER NOT NULL,
  line_end INTEGER NOT NULL,
  page INTEGER,
  chapter INTEGER
);
CREATE INDEX chunks_by_path ON chunks(path, seq);
CREATE VIRTUAL TABLE chunks_fts USING fts5(
  heading, body,
  content='chunks', content_rowid='id',
  tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER chunks_after_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts(rowid, heading, body) VALUES (new.id, new.heading, new.body);
END;
CREATE TRIGGER chunks_after_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts(chunks_fts, rowid, heading, body) VALUES ('delete', old.id, old.heading, old.body);
END;
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/**
 * From version N to N+1. Version 2: chunks know their PDF page and EPUB chapter; files remember why
 * they could not be read (`problem`), so an unchanged scan is not parsed again to say so.
 */
const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `
ALTER TABLE chunks ADD COLUMN page INTEGER;
ALTER TABLE chunks ADD COLUMN chapter INTEGER;
ALTER TABLE files ADD COLUMN problem TEXT;
PRAGMA user_version = 2;
`,
};

/** The index could not be opened or created for a reason other than corruption (permissions, disk). */
export class VaultIndexOpenError extends Error {
  override readonly name = "VaultIndexOpenError";
  constructor(
    readonly indexPath: string,
    options: { cause: unknown },
  ) {
    super(`cannot open vault index ${indexPath}: ${errorCode(options.cause)}`, options);
  }
}

/** The index turned out corrupt while in use; reopening it moves it aside and rebuilds. */
export class VaultIndexCorruptError extends Error {
  override readonly name = "VaultIndexCorruptError";
  constructor(
    readonly indexPath: string,
    options: { cause: unknown },
  ) {
    super(`vault index ${indexPath} is corrupt; reopen it to rebuild`, options);
  }
}

export interface UpdateProgress {
  /** "read": a file was examined; "write": the transaction is being applied. */
  phase: "read" | "write";
  done: number;
  total: number;
  path?: string;
}

export interface UpdateOptions {
  signal?: AbortSignal;
  onProgress?: (progress: UpdateProgress) => void;
  /** Size caps and parser limits; each defaults to DEFAULT_EXTRACT_LIMITS. */
  limits?: Partial<ExtractLimits>;
  chunkMaxChars?: number;
}

export interface UpdateResult {
  scanned: number;
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  /** Chunks in the index after the update. */
  chunks: number;
  ms: number;
  skipped: SkippedFile[];
  /** Problems met and handled, such as a corrupt index that was moved aside and rebuilt. */
  warnings: string[];
}

export interface SearchOptions {
  limit?: number;
  /** Markers around matched words in `excerpt`. Default «…». */
  highlight?: readonly [open: string, close: string];
}

export interface SearchHit {
  path: string;
  heading: string;
  /** A short snippet around the matches, for display. */
  excerpt: string;
  /** The whole chunk, for grounding. */
  text: string;
  /** Relevance (negated bm25): higher is better. */
  score: number;
  /** Lines of `text` within its part: the file, or the PDF page / EPUB chapter below. */
  lineStart: number;
  lineEnd: number;
  page?: number;
  chapter?: number;
  /** For each line of `text`, what FTS5 matched in it. */
  lineMatches: LineMatch[];
}

export interface LineMatch {
  /** How many different query words matched in the line (0: none). */
  words: number;
  /** Where the first match starts (UTF-16 index into the line); -1 when none. */
  column: number;
}

interface FileRow {
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string;
  problem: string | null;
}

interface HitRow {
  path: string;
  heading: string;
  body: string;
  line_start: number;
  line_end: number;
  page: number | null;
  chapter: number | null;
  excerpt: string;
  marked: string;
  rank: number;
}

type Change =
  | { kind: "write"; path: string; size: number; mtimeMs: number; sha256: string; chunks: Chunk[] }
  | { kind: "problem"; path: string; size: number; mtimeMs: number; sha256: string; problem: string }
  | { kind: "touch"; path: string; size: number; mtimeMs: number }
  | { kind: "delete"; path: string };

export class VaultIndex {
  readonly vaultDir: string;
  readonly indexPath: string;
  /** Every problem handled so far (a corrupt index moved aside); each also goes into the next update's result. */
  readonly warnings: string[] = [];
  /**
   * Why the index cannot be written (EROFS, EACCES) when the vault is read-only; the index then
   * lives in memory (see openInMemory) and is never saved.
   */
  readonly readOnly: string | undefined;
  #db: Database;
  #pendingWarnings: string[] = [];
  /** The update in flight; a second caller waits for it rather than interleaving with it. */
  #updating: Promise<unknown> = Promise.resolve();

  /**
   * Opening stays cheap (it runs at every start): a file that is not a database or has a foreign
   * schema is caught here, while damaged pages deeper in the file are caught by `update()`.
   */
  constructor(vaultDir: string) {
    this.vaultDir = vaultDir;
    this.indexPath = join(vaultDir, INDEX_FILE);
    this.readOnly = unwritable(dirname(this.indexPath), this.indexPath);
    if (this.readOnly !== undefined) {
      this.#db = openInMemory(this.indexPath);
      return;
    }
    try {
      this.#db = openChecked(this.indexPath);
    } catch (error) {
      const problem =
        error instanceof ForeignSchemaError ? error.message : isCorruption(error) ? "corrupt" : null;
      if (problem === null) throw new VaultIndexOpenError(this.indexPath, { cause: error });
      this.#db = this.#replaceWithFresh(problem === "corrupt" ? "corrupt" : "stale", problem);
    }
  }

  close(): void {
    this.#db.close();
  }

  counts(): { files: number; chunks: number } {
    return this.#guard(() => {
      const files = this.#db.query<{ n: number }, []>("SELECT count(*) AS n FROM files").get()!.n;
      const chunks = this.#db.query<{ n: number }, []>("SELECT count(*) AS n FROM chunks").get()!.n;
      return { files, chunks };
    });
  }

  /** Brings the index in line with the vault; nothing is written unless the whole update succeeds. */
  update(options: UpdateOptions = {}): Promise<UpdateResult> {
    const run = this.#updating.then(
      () => this.#update(options),
      () => this.#update(options),
    );
    this.#updating = run.catch(() => undefined);
    return run;
  }

  async #update(options: UpdateOptions): Promise<UpdateResult> {
    const started = performance.now();
    const { signal, onProgress } = options;
    signal?.throwIfAborted();
    this.#verify();

    const scan = await scanVaultFiles(this.vaultDir, signal);
    const skipped = [...scan.skipped];
    const known = new Map<string, FileRow>();
    for (const row of this.#guard(() => this.#db.query<FileRow, []>("SELECT * FROM files").all())) {
      known.set(row.path, row);
    }

    const changes: Change[] = [];
    let added = 0;
    let updated = 0;
    let unchanged = 0;
    const limits: ExtractLimits = { ...DEFAULT_EXTRACT_LIMITS, ...options.limits };
    const sandbox = new ExtractionSandbox();
    try {
      for (const [i, file] of scan.files.entries()) {
        signal?.throwIfAborted();
        onProgress?.({ phase: "read", done: i, total: scan.files.length, path: file.path });
        const row = known.get(file.path);
        known.delete(file.path);
        /** A file whose bytes were read before and could not be indexed then cannot now either. */
        const unchangedAs = (existing: FileRow) => {
          if (existing.problem === null) unchanged++;
          else skipped.push({ path: file.path, reason: existing.problem });
        };
        if (row && row.size === file.size && row.mtime_ms === file.mtimeMs) {
          unchangedAs(row);
          continue;
        }
        const skip = (reason: string) => {
          skipped.push({ path: file.path, reason });
          // What the index holds for this file no longer matches the disk, so it goes.
          if (row) changes.push({ kind: "delete", path: file.path });
        };
        // The read goes through the descriptor, not the name the scan saw: the file may have been
        // swapped for a symlink out of the vault since, and only what was really opened is checked.
        // The size cap is checked on that descriptor before a byte is read.
        let bytes: Uint8Array;
        try {
          const maxBytes = maxFileBytes(formatOf(file.path) ?? "text", limits);
          bytes = readFileInside(file.absolutePath, { root: this.vaultDir, maxBytes });
        } catch (error) {
          if (!(error instanceof UnsafeFileError)) throw error;
          skip(error.reason);
          continue;
        }
        // Reading is synchronous; yielding here lets Ctrl-C and the caller's timers land between files.
        await new Promise((resolve) => setImmediate(resolve));
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        if (row && row.sha256 === sha256) {
          changes.push({ kind: "touch", path: file.path, size: file.size, mtimeMs: file.mtimeMs });
          unchangedAs(row);
          continue;
        }
        const ingested = await ingestDocument(file.path, bytes, {
          sandbox,
          limits,
          chunkMaxChars: options.chunkMaxChars,
          signal,
        });
        const stamp = { path: file.path, size: file.size, mtimeMs: file.mtimeMs, sha256 };
        if ("problem" in ingested) {
          skipped.push({ path: file.path, reason: ingested.problem });
          changes.push({ kind: "problem", ...stamp, problem: ingested.problem });
          continue;
        }
        changes.push({ kind: "write", ...stamp, chunks: ingested.chunks });
        if (row && row.problem === null) updated++;
        else added++;
      }
    } finally {
      sandbox.close();
    }
    // Whatever is still in `known` was not found on disk this time.
    const removed = known.size;
    for (const path of known.keys()) changes.push({ kind: "delete", path });

    signal?.throwIfAborted();
    onProgress?.({ phase: "write", done: 0, total: changes.length });
    this.#guard(() => this.#apply(changes));
    onProgress?.({ phase: "write", done: changes.length, total: changes.length });

    const warnings = this.#pendingWarnings;
    this.#pendingWarnings = [];
    return {
      scanned: scan.files.length,
      added,
      updated,
      removed,
      unchanged,
      chunks: this.counts().chunks,
      ms: Math.round(performance.now() - started),
      skipped,
      warnings,
    };
  }

  /** Chunks matching the operator's words, best first; hostile or empty queries give []. */
  search(query: string, options: SearchOptions = {}): SearchHit[] {
    const match = toMatchExpression(query);
    if (match === null) return [];
    const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
    const [open, close] = options.highlight ?? ["«", "»"];
    const rows = this.#guard(() =>
      this.#db
        .query<HitRow, [string, string, string, number]>(
          // Ordering by FTS5's own rank column lets it sort inside the virtual table and stop at
          // the limit, so snippets and the join are computed for the returned rows only.
          `SELECT c.path, c.heading, c.body, c.line_start, c.line_end, c.page, c.chapter,
                  snippet(chunks_fts, 1, ?1, ?2, '…', 24) AS excerpt,
                  highlight(chunks_fts, 1, '${MATCH_OPEN}', '${MATCH_CLOSE}') AS marked,
                  chunks_fts.rank AS rank
             FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid
            WHERE chunks_fts MATCH ?3 AND chunks_fts.rank MATCH 'bm25(${HEADING_WEIGHT}, ${BODY_WEIGHT})'
            ORDER BY chunks_fts.rank
            LIMIT ?4`,
        )
        .all(open, close, match, limit),
    );
    // Equal ranks (identical text) within the page fall back to path and line, not insertion order.
    rows.sort(
      (a, b) =>
        a.rank - b.rank ||
        compareText(a.path, b.path) ||
        (a.page ?? a.chapter ?? 0) - (b.page ?? b.chapter ?? 0) ||
        a.line_start - b.line_start,
    );
    return rows.map((r) => {
      const hit: SearchHit = {
        path: r.path,
        heading: r.heading,
        excerpt: r.excerpt,
        text: r.body,
        score: -r.rank,
        lineStart: r.line_start,
        lineEnd: r.line_end,
        lineMatches: countLineMatches(r.marked),
      };
      if (r.page !== null) hit.page = r.page;
      if (r.chapter !== null) hit.chapter = r.chapter;
      return hit;
    });
  }

  #apply(changes: Change[]): void {
    const db = this.#db;
    const deleteChunks = db.query("DELETE FROM chunks WHERE path = ?");
    const deleteFile = db.query("DELETE FROM files WHERE path = ?");
    const upsertFile = db.query(
      "INSERT OR REPLACE INTO files (path, size, mtime_ms, sha256, problem) VALUES (?, ?, ?, ?, ?)",
    );
    const touchFile = db.query("UPDATE files SET size = ?, mtime_ms = ? WHERE path = ?");
    const insertChunk = db.query(
      `INSERT INTO chunks (path, seq, heading, body, line_start, line_end, page, chapter)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // IMMEDIATE takes the write lock up front, so a second process waits (busy_timeout) instead of
    // failing to upgrade a read lock halfway through.
    db.transaction(() => {
      for (const change of changes) {
        switch (change.kind) {
          case "touch":
            touchFile.run(change.size, change.mtimeMs, change.path);
            break;
          case "delete":
            deleteChunks.run(change.path);
            deleteFile.run(change.path);
            break;
          case "problem":
            deleteChunks.run(change.path);
            upsertFile.run(change.path, change.size, change.mtimeMs, change.sha256, change.problem);
            break;
          case "write":
            deleteChunks.run(change.path);
            upsertFile.run(change.path, change.size, change.mtimeMs, change.sha256, null);
            for (const [seq, c] of change.chunks.entries()) {
              const where = [c.lineStart, c.lineEnd, c.page ?? null, c.chapter ?? null] as const;
              insertChunk.run(c.path, seq, c.heading, c.text, ...where);
            }
            break;
        }
      }
    }).immediate();
  }

  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (isCorruption(error)) throw new VaultIndexCorruptError(this.indexPath, { cause: error });
      throw error;
    }
  }

  /** A full page check (~170 ms for 10,000 documents): worth it only next to an update's own disk walk. */
  #verify(): void {
    let sound: boolean;
    try {
      sound =
        this.#db.query<{ quick_check: string }, []>("PRAGMA quick_check(1)").get()?.quick_check === "ok";
    } catch (error) {
      if (!isCorruption(error)) throw error;
      sound = false;
    }
    if (sound) return;
    this.#db.close();
    this.#db = this.#replaceWithFresh("corrupt", "corrupt");
  }

  /** Moves the (closed) index file aside and opens a new, empty one in its place. */
  #replaceWithFresh(label: "corrupt" | "stale", problem: string): Database {
    const aside = moveAside(this.indexPath, label);
    const warning = `vault index ${this.indexPath} was ${problem}; moved to ${aside} and rebuilt`;
    this.warnings.push(warning);
    this.#pendingWarnings.push(warning);
    try {
      return openChecked(this.indexPath);
    } catch (error) {
      throw new VaultIndexOpenError(this.indexPath, { cause: error });
    }
  }
}

/** The error code that makes `stateDir` unwritable (a read-only vault), or undefined when it is writable. */
function unwritable(stateDir: string, indexPath: string): string | undefined {
  try {
    mkdirSync(stateDir, { recursive: true });
    accessSync(stateDir, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = errorCode(error);
    if (code === "EROFS" || code === "EACCES" || code === "EPERM") return code;
    throw new VaultIndexOpenError(indexPath, { cause: error });
  }
}

class ForeignSchemaError extends Error {
  override readonly name = "ForeignSchemaError";
}

/** Opens the index, creating its tables in a fresh file; fails on a file that is not our index. */
function openChecked(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  try {
    db.run("PRAGMA busy_timeout = 5000");
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA synchronous = NORMAL");
  } catch (error) {
    db.close();
    throw error;
  }
  return prepared(db);
}

/**
 * A read-only vault's index: a private in-memory copy of the file on disk (a fresh, empty one when
 * there is none or it is not our index). Search works from it and updates land in it; nothing is
 * ever written to the vault.
 */
function openInMemory(path: string): Database {
  let image: Uint8Array | undefined;
  // A WAL-mode file opens read-only only if its -shm file exists or can be made; on a read-only
  // mount it cannot, and `immutable` (nothing can change it through this mount) is then true.
  for (const mode of ["mode=ro", "immutable=1"]) {
    try {
      const disk = new Database(
        `${pathToFileURL(path).href}?${mode}`,
        sqlite.SQLITE_OPEN_READONLY | sqlite.SQLITE_OPEN_URI,
      );
      try {
        image = disk.serialize();
        break;
      } finally {
        disk.close();
      }
    } catch {
      // No index on disk yet, or not readable this way: try the next, then start from an empty one.
    }
  }
  if (image && image.length > 0) {
    // The file is in WAL mode (header bytes 18-19 = 2), which an in-memory database refuses to
    // open; 1 is the rollback journal, which it takes.
    image[18] = 1;
    image[19] = 1;
    try {
      return prepared(Database.deserialize(image, { strict: true }));
    } catch {
      // Not our index: an empty one will do.
    }
  }
  return prepared(new Database(":memory:", { strict: true }));
}

/** Checks the schema version of an open index, creating or migrating its tables as needed. */
function prepared(db: Database): Database {
  try {
    const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    if (version === 0) {
      const tables = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master").get()!.n;
      if (tables > 0) throw new ForeignSchemaError("not a vault index");
      db.transaction(() => db.run(SCHEMA))();
    } else if (version !== SCHEMA_VERSION) {
      if (version > SCHEMA_VERSION || version < 1) {
        throw new ForeignSchemaError(`schema version ${version}, expected ${SCHEMA_VERSION}`);
      }
      migrate(db);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Brings an older index up to SCHEMA_VERSION in one write transaction; the version is read again
 * inside it, since another process may have migrated the file while this one waited for the lock.
 */
function migrate(db: Database): void {
  db.transaction(() => {
    const from = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    for (let version = from; version < SCHEMA_VERSION; version++) db.run(MIGRATIONS[version]!);
  }).immediate();
}

/**
 * Private-use characters around each word FTS5 matched (its stemming included), so the lines that
 * matched can be told from the lines that did not. Chunk text has them only if a document does,
 * which at worst counts a stray word as matched.
 */
const MATCH_OPEN = "\uE000";
const MATCH_CLOSE = "\uE001";
const MARKED_SPAN = new RegExp(`${MATCH_OPEN}([^${MATCH_CLOSE}]*)${MATCH_CLOSE}`, "g");
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** Distinct matched words per line of a highlighted body, and where the first one starts. */
function countLineMatches(marked: string): LineMatch[] {
  // A span may hold several adjacent matches, even across a line break: close it at each break.
  const perLine = marked.replace(MARKED_SPAN, (span) =>
    span.replaceAll("\n", `${MATCH_CLOSE}\n${MATCH_OPEN}`),
  );
  return perLine.split("\n").map((line) => {
    const words = new Set<string>();
    for (const span of line.matchAll(MARKED_SPAN))
      for (const word of span[1]!.match(WORD) ?? []) words.add(word.toLowerCase());
    // Nothing is marked before the first opening marker, so its index is the text's column.
    return { words: words.size, column: line.indexOf(MATCH_OPEN) };
  });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB";
}

/** Renames the index and its WAL/SHM files to `<index>.<label>-<timestamp>[-wal|-shm]`. */
function moveAside(indexPath: string, label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const aside = `${indexPath}.${label}-${stamp}`;
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(indexPath + suffix)) renameSync(indexPath + suffix, aside + suffix);
  }
  return aside;
}

export function openVaultIndex(vaultDir: string): VaultIndex {
  return new VaultIndex(vaultDir);
}

/** Updates the index of `vault` (a folder, opened and closed here, or an open index). */
export async function updateIndex(
  vault: string | VaultIndex,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  if (vault instanceof VaultIndex) return vault.update(options);
  const index = openVaultIndex(vault);
  try {
    return await index.update(options);
  } finally {
    index.close();
  }
}

export function searchIndex(index: VaultIndex, query: string, options: SearchOptions = {}): SearchHit[] {
  return index.search(query, options);
}
