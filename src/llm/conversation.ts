import type { Token } from "node-llama-cpp";
import {
  commonPrefixLength,
  type EvaluationCount,
  type GenerateOptions,
  type Generation,
  type LlamaBridge,
} from "./bridge.ts";
import { type ChatLayout, chatLayout, type Role } from "./chat-layout.ts";
import { ContextOverflowError } from "./errors.ts";
import { modelStateKey, type StateFiles, tokensHash } from "./state-files.ts";

/**
 * One session's conversation in one context sequence, append-only:
 *
 *   [static prefix][turn 1][turn 2]…   each turn: its new excerpts, the question, the plan,
 *                                       command outputs, the answer
 *
 * Text goes in once, as tokens, and is never rendered again; each evaluation hands llama.cpp only
 * the tokens the sequence does not hold yet. When a turn would not fit, the oldest turns' excerpts
 * are erased from the sequence first, then the oldest whole turns (the static prefix and the last
 * turn stay): the KV cache shifts, nothing is evaluated again. This is the whole context policy;
 * the planner only says what to append.
 */

/** A piece of vault text a turn adds, known by an id so it is never added twice. */
export interface ConversationExcerpt {
  id: string;
  text: string;
}

/** A user message's content: plain text, and excerpts the conversation may erase later. */
export type MessagePiece = string | ConversationExcerpt;

interface ExcerptSpan {
  id: string;
  start: number;
  end: number;
}

interface TurnSpan {
  /** Index of the turn's first own token (after the user tag). */
  start: number;
  excerpts: ExcerptSpan[];
}

/** What `makeRoom` erased, for the log. */
export interface Dropped {
  turn: number;
  what: "excerpts" | "turn";
  tokens: number;
  excerpts: string[];
}

/** What a conversation saves beside its state, so a new process can carry on. */
export interface ConversationLayout {
  prefixHash: string;
  staticTokens: number;
  roles: Role[];
  turns: TurnSpan[];
  turnNumbers: number[];
}

export interface ConversationOptions {
  bridge: LlamaBridge;
  /** Told what the conversation dropped or loaded (Ember's log). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A point in the conversation to come back to (see `rewind`). */
export interface ConversationMark {
  length: number;
  roles: Role[];
  turnsStarted: number;
  dropped: number;
}

/** Where the static prefix came from when the conversation started. */
export type PrefixSource = "memory" | "disk" | "evaluated";

export class Conversation {
  readonly bridge: LlamaBridge;
  readonly #layout: ChatLayout;
  readonly #log: NonNullable<ConversationOptions["log"]>;
  #system: string | undefined;
  #tokens: Token[] = [];
  #roles: Role[] = [];
  #staticTokens = 0;
  #turns: TurnSpan[] = [];
  /** The turn number of each span (turns erased whole leave gaps). */
  #turnNumbers: number[] = [];
  #turnsStarted = 0;
  #evaluated = 0;
  #decoded = 0;
  #dropped = 0;
  /** The excerpts a speculative prefill laid out after the conversation, in its order. */
  #prefilledExcerpts: string[] = [];

  constructor(options: ConversationOptions) {
    this.bridge = options.bridge;
    this.#layout = chatLayout(options.bridge.model, options.bridge.chatWrapper);
    this.#log = options.log ?? (() => {});
  }

  /** The conversation's tokens; the sequence holds them all, or all but the last generated one. */
  get tokens(): readonly Token[] {
    return this.#tokens;
  }

  /** The system text of the static prefix; undefined before `start`. */
  get system(): string | undefined {
    return this.#system;
  }

  get staticTokens(): number {
    return this.#staticTokens;
  }

  get contextSize(): number {
    return this.bridge.contextSize;
  }

  /** Tokens still free in the context. */
  get free(): number {
    return this.contextSize - this.#tokens.length;
  }

  /** Turns begun since the start, erased ones included. */
  get turnsStarted(): number {
    return this.#turnsStarted;
  }

  /** The excerpts the context holds now (erased ones are gone from it, so they may come back). */
  get excerptIds(): ReadonlySet<string> {
    return new Set(this.#turns.flatMap((t) => t.excerpts.map((e) => e.id)));
  }

  /**
   * The excerpts (ids, in order) of the last speculative prefill, until a turn begins: a turn that
   * lays them out first, in this order, keeps the tokens evaluated for them.
   */
  get prefilledExcerpts(): readonly string[] {
    return this.#prefilledExcerpts;
  }

  /** Running totals: tokens handed to llama.cpp to evaluate, decode steps, tokens erased. */
  get counters(): { evaluated: number; decoded: number; dropped: number } {
    return { evaluated: this.#evaluated, decoded: this.#decoded, dropped: this.#dropped };
  }

  countTokens(text: string): number {
    return this.bridge.countTokens(text);
  }

  /** The static prefix's tokens for `system`, as `start` would lay them out. */
  prefixFor(system: string): Token[] {
    return this.#layout.prefix(system);
  }

  /**
   * (Re)starts the conversation from its static prefix: kept if the sequence already starts with
   * it, else loaded from `cache`, else evaluated (and saved to `cache`). Earlier turns are gone.
   */
  async start(
    system: string,
    options: { signal?: AbortSignal; cache?: StateFiles } = {},
  ): Promise<PrefixSource> {
    const prefix = this.prefixFor(system);
    this.#system = system;
    this.#tokens = [...prefix];
    this.#roles = ["system", "user"];
    this.#staticTokens = prefix.length;
    this.#turns = [];
    this.#turnNumbers = [];
    this.#turnsStarted = 0;
    this.#prefilledExcerpts = [];
    const held = this.bridge.contextTokens;
    if (held.length >= prefix.length && prefix.every((t, i) => held[i] === t)) {
      await this.#sync(options.signal);
      return "memory";
    }
    const { cache } = options;
    const name = `${this.#modelKey()}-${tokensHash(prefix)}`;
    if (cache && (await cache.load(name, this.bridge.sequence, prefix))) {
      this.#log("prefix loaded", { tokens: prefix.length });
      return "disk";
    }
    await this.#sync(options.signal);
    if (cache) {
      try {
        const file = await cache.save(name, this.bridge.sequence, this.bridge.info.path, {});
        this.#log("prefix saved", { tokens: prefix.length, file });
      } catch (error) {
        this.#log("prefix not saved", { error: (error as Error).message });
      }
    }
    return "evaluated";
  }

  /**
   * The tokens a new turn's user message adds (the template's tags, its pieces, the opened model
   * reply), without adding them: what a speculative prefill evaluates.
   */
  turnTokens(pieces: readonly MessagePiece[]): Token[] {
    return this.#userMessage(pieces).tokens;
  }

  /** Begins a turn: its user message (text and new excerpts) and the opened model reply. */
  beginTurn(pieces: readonly MessagePiece[]): number {
    const message = this.#userMessage(pieces);
    const base = this.#tokens.length;
    this.#turns.push({
      start: base + message.contentStart,
      excerpts: message.excerpts.map((e) => ({ ...e, start: e.start + base, end: e.end + base })),
    });
    this.#turnNumbers.push(++this.#turnsStarted);
    this.#prefilledExcerpts = [];
    this.#appendMessage(message.tokens);
    return message.tokens.length;
  }

  /** Adds a user message to the current turn (command outputs) and opens the model's reply. */
  addUserMessage(text: string): number {
    const { tokens } = this.#userMessage([text]);
    this.#appendMessage(tokens);
    return tokens.length;
  }

  /** Adds text to the model reply being written: tokens the caller forces instead of decoding. */
  appendText(text: string): number {
    const tokens = this.bridge.model.tokenize(text, false, "trimLeadingSpace");
    this.#tokens.push(...tokens);
    return tokens.length;
  }

  /**
   * Makes `needed` tokens free after what the conversation holds (to generate into): the oldest
   * turns' excerpts are erased first, then the oldest whole turns (never the static prefix or the
   * last turn). Throws ContextOverflowError, naming `setting`, when even that is not enough; what
   * was erased before stays erased, and counted.
   */
  async makeRoom(needed: number, setting?: string): Promise<Dropped[]> {
    const dropped: Dropped[] = [];
    const drop = (what: Dropped) => {
      dropped.push(what);
      this.#dropped += what.tokens;
      this.#log("context full: erased", { ...what });
    };
    while (this.free < needed) {
      const last = this.#turns.length - 1;
      const withExcerpts = this.#turns.findIndex((t, i) => i < last && t.excerpts.length > 0);
      if (withExcerpts >= 0) {
        const turn = this.#turns[withExcerpts]!;
        const ranges = turn.excerpts.map(({ start, end }) => ({ start, end }));
        const erased: Dropped = {
          turn: this.#turnNumbers[withExcerpts]!,
          what: "excerpts",
          tokens: ranges.reduce((n, r) => n + r.end - r.start, 0),
          excerpts: turn.excerpts.map((e) => e.id),
        };
        await this.#erase(ranges);
        drop(erased);
        continue;
      }
      if (last >= 1) {
        const start = this.#turns[0]!.start;
        const end = this.#turns[1]!.start;
        const turn = this.#turnNumbers[0]!;
        await this.#erase([{ start, end }]);
        this.#turns.shift();
        this.#turnNumbers.shift();
        drop({ turn, what: "turn", tokens: end - start, excerpts: [] });
        continue;
      }
      throw new ContextOverflowError(this.#tokens.length + needed, this.contextSize, setting);
    }
    return dropped;
  }

  mark(): ConversationMark {
    return {
      length: this.#tokens.length,
      roles: [...this.#roles],
      turnsStarted: this.#turnsStarted,
      dropped: this.#dropped,
    };
  }

  /**
   * Forgets everything added since `mark` (a turn that failed half-way), so the next turn follows
   * the last complete one. Erasures since then only removed tokens before the mark, so it moved
   * down by what they dropped. The sequence drops the rest at the next evaluation.
   */
  rewind(mark: ConversationMark): void {
    this.#tokens.length = Math.max(this.#staticTokens, mark.length - (this.#dropped - mark.dropped));
    this.#roles = [...mark.roles];
    this.#turns.splice(this.#turns.length - (this.#turnsStarted - mark.turnsStarted));
    this.#turnNumbers.splice(this.#turnNumbers.length - (this.#turnsStarted - mark.turnsStarted));
    this.#turnsStarted = mark.turnsStarted;
  }

  /** Evaluates every token not yet in the sequence; stops between slices when `signal` fires. */
  async evaluate(signal?: AbortSignal): Promise<EvaluationCount> {
    return this.#sync(signal);
  }

  /**
   * Evaluates `extra` after the conversation without adding it (a speculative prefill while the
   * operator types): a later turn keeps whatever of it matches what it really adds, and the
   * sequence drops the rest at the next evaluation. `excerptIds` are the excerpts it lays out.
   */
  async prefill(
    extra: readonly Token[],
    signal?: AbortSignal,
    excerptIds: readonly string[] = [],
  ): Promise<EvaluationCount> {
    this.#prefilledExcerpts = [...excerptIds];
    const count = await this.bridge.evaluate([...this.#tokens, ...extra], signal);
    this.#evaluated += count.evaluatedTokens;
    return count;
  }

  /**
   * Generates the rest of the open model reply. `maxTokens` must fit (see `makeRoom`); the tokens
   * generated become part of the conversation, partial ones too when the signal stops it.
   */
  async generate(options: GenerateOptions): Promise<Generation> {
    const generation = await this.bridge.generate(this.#tokens, options);
    this.#evaluated += generation.evaluatedTokens + generation.forcedEvaluated;
    this.#decoded += generation.generatedTokens;
    this.#tokens.push(...generation.tokens);
    return generation;
  }

  /** Saves the conversation (its KV state and layout) as `name` in `store`. */
  async save(store: StateFiles, name: string): Promise<string> {
    await this.#sync();
    const layout: ConversationLayout = {
      prefixHash: tokensHash(this.#tokens.slice(0, this.#staticTokens)),
      staticTokens: this.#staticTokens,
      roles: this.#roles,
      turns: this.#turns,
      turnNumbers: this.#turnNumbers,
    };
    return store.save(`${this.#modelKey()}-${name}`, this.bridge.sequence, this.bridge.info.path, layout);
  }

  /**
   * Carries on a conversation saved as `name`, if it was saved with this model and starts with
   * the static prefix for `system`; false (and nothing changed) otherwise.
   */
  async restore(store: StateFiles, name: string, system: string): Promise<boolean> {
    const key = `${this.#modelKey()}-${name}`;
    const saved = store.peek<ConversationLayout>(key);
    const prefix = this.prefixFor(system);
    if (!saved || saved.extra.prefixHash !== tokensHash(prefix)) return false;
    const loaded = await store.load<ConversationLayout>(key, this.bridge.sequence);
    if (!loaded) return false;
    this.#system = system;
    this.#tokens = loaded.tokens;
    this.#staticTokens = loaded.extra.staticTokens;
    this.#roles = loaded.extra.roles;
    this.#turns = loaded.extra.turns;
    this.#turnNumbers = loaded.extra.turnNumbers;
    this.#turnsStarted = this.#turnNumbers.at(-1) ?? 0;
    this.#log("conversation loaded", { tokens: this.#tokens.length, turns: this.#turns.length });
    return true;
  }

  #modelKey(): string {
    return modelStateKey(this.bridge.info, this.contextSize);
  }

  #userMessage(pieces: readonly MessagePiece[]): {
    tokens: Token[];
    contentStart: number;
    excerpts: ExcerptSpan[];
  } {
    // Right after the static prefix, the first user message's tag is already in it.
    const first = this.#roles.at(-1) === "user";
    const roles = first ? this.#roles.slice(0, -1) : this.#roles;
    const { open, close } = this.#layout.next(roles, "user");
    const tokens: Token[] = first ? [] : [...open];
    const contentStart = tokens.length;
    const spans: ExcerptSpan[] = [];
    const tokenize = (text: string) => this.bridge.model.tokenize(text, false, "trimLeadingSpace");
    for (const piece of pieces) {
      const start = tokens.length;
      if (typeof piece === "string") tokens.push(...tokenize(piece));
      else {
        tokens.push(...tokenize(`${piece.text}\n\n`));
        spans.push({ id: piece.id, start, end: tokens.length });
      }
    }
    tokens.push(...close);
    return { tokens, contentStart, excerpts: spans };
  }

  #appendMessage(tokens: readonly Token[]): void {
    this.#roles =
      this.#roles.at(-1) === "user" ? [...this.#roles, "model"] : [...this.#roles, "user", "model"];
    this.#tokens.push(...tokens);
  }

  async #sync(signal?: AbortSignal): Promise<EvaluationCount> {
    const count = await this.bridge.evaluate(this.#tokens, signal);
    this.#evaluated += count.evaluatedTokens;
    return count;
  }

  /** Erases token ranges from the sequence and the conversation alike; later positions shift down. */
  async #erase(ranges: readonly { start: number; end: number }[]): Promise<void> {
    const sorted = [...ranges].sort((a, b) => b.start - a.start);
    // Another conversation (or the chat route) may have used the sequence since: erase there only
    // if it holds this conversation's tokens; otherwise the next evaluation finds what differs.
    const held = commonPrefixLength(this.bridge.contextTokens, this.#tokens);
    if (held >= Math.min(sorted[0]!.end, this.bridge.sequence.nextTokenIndex))
      await this.bridge.sequence.eraseContextTokenRanges(sorted.map((r) => ({ ...r })));
    for (const { start, end } of sorted) {
      const length = end - start;
      this.#tokens.splice(start, length);
      const shift = (index: number) => (index >= end ? index - length : index);
      for (const turn of this.#turns) {
        turn.start = shift(turn.start);
        turn.excerpts = turn.excerpts
          .filter((e) => e.end <= start || e.start >= end)
          .map((e) => ({ ...e, start: shift(e.start), end: shift(e.end) }));
      }
    }
  }
}
