import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
import { LlamaText } from "node-llama-cpp";

/**
 * How an append-only conversation's messages become tokens with the model's own chat template,
 * one new message at a time: the template is rendered with every earlier message as a marker, and
 * only the text between the last earlier message and the new one (the template's closing and
 * opening tags) is tokenized, plus the new message's own text. Earlier messages are never
 * rendered again, so the tokens already in the context stay exactly as they were evaluated.
 *
 * This holds only for templates that render earlier messages identically when new ones follow;
 * test/llm/chat-layout.test.ts checks that for the wrappers node-llama-cpp resolves for Llama 3,
 * Qwen 2.5/3, Gemma and Phi metadata.
 */

export type Role = "system" | "user" | "model";

/** Private-use characters: no template or document produces them. */
const marker = (index: number) => `\uE000ember-${index}\uE000`;

function historyOf(roles: readonly Role[]): ChatHistoryItem[] {
  return roles.map((role, i): ChatHistoryItem => {
    if (role === "model") return { type: "model", response: [marker(i)] };
    return { type: role, text: marker(i) };
  });
}

/** The template's text around message `index` of `roles` (the last one is an opened model reply). */
function split(
  wrapper: ChatWrapper,
  roles: readonly Role[],
  index: number,
): { before: LlamaText; after: LlamaText } {
  const history = [...historyOf(roles), { type: "model", response: [] } as ChatHistoryItem];
  const { contextText } = wrapper.generateContextState({ chatHistory: history });
  const values = contextText.values;
  const at = values.findIndex((v) => typeof v === "string" && v.includes(marker(index)));
  if (at < 0) throw new Error(`the chat template dropped message ${index} (${roles[index]})`);
  const [head, tail] = (values[at] as string).split(marker(index)) as [string, string];
  return {
    before: LlamaText([...values.slice(0, at), head]),
    after: LlamaText([tail, ...values.slice(at + 1)]),
  };
}

/** The part of `text` after the end of message `index`'s marker. */
function afterMarker(text: LlamaText, index: number): LlamaText {
  const values = text.values;
  const at = values.findIndex((v) => typeof v === "string" && v.includes(marker(index)));
  if (at < 0) throw new Error(`the chat template dropped message ${index}`);
  const tail = (values[at] as string).split(marker(index))[1] ?? "";
  return LlamaText([tail, ...values.slice(at + 1)]);
}

export interface ChatLayout {
  /** Everything before the first user message's text: BOS, the system message, the user tag. */
  prefix(system: string): Token[];
  /**
   * The tokens that close the conversation so far (`roles`, its last message being the one being
   * written) and open a new message of `role`; for a user message also the template's text after it
   * up to the opened model reply, returned apart so the message's own tokens go in between.
   */
  next(roles: readonly Role[], role: "user"): { open: Token[]; close: Token[] };
}

export function chatLayout(model: LlamaModel, wrapper: ChatWrapper): ChatLayout {
  const tokenize = (text: LlamaText, first: boolean) =>
    first ? text.tokenize(model.tokenizer) : text.tokenize(model.tokenizer, "trimLeadingSpace");
  return {
    prefix(system) {
      const { before } = split(wrapper, ["system", "user"], 1);
      // The system text goes in as plain text: a document cannot smuggle in special tokens.
      const values = before.values;
      const at = values.findIndex((v) => typeof v === "string" && v.includes(marker(0)));
      if (at < 0) return tokenize(before, true);
      const [head, tail] = (values[at] as string).split(marker(0)) as [string, string];
      return [
        ...tokenize(LlamaText([...values.slice(0, at), head]), true),
        ...model.tokenize(system, false, "trimLeadingSpace"),
        ...tokenize(LlamaText([tail, ...values.slice(at + 1)]), false),
      ];
    },
    next(roles, role) {
      const all = [...roles, role];
      const { before, after } = split(wrapper, all, all.length - 1);
      const open = roles.length === 0 ? before : afterMarker(before, roles.length - 1);
      return { open: tokenize(open, false), close: tokenize(after, false) };
    },
  };
}
