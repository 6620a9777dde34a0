import { describe, expect, test } from "bun:test";
import {
  type ChatHistoryItem,
  type ChatWrapper,
  type GgufFileInfo,
  type LlamaModel,
  resolveChatWrapper,
  type Token,
  type Tokenizer,
} from "node-llama-cpp";
import { chatLayout, type Role } from "../../src/llm/chat-layout.ts";

/**
 * The conversation appends each message's tokens once and never renders earlier ones again. That
 * holds only if the model's chat template renders earlier turns the same when new ones follow.
 * For the wrappers node-llama-cpp resolves from the GGUF metadata of the families Ember is run with,
 * a conversation built message by message must be exactly the template's rendering of the whole chat.
 */

// The chat templates these models ship in their GGUF metadata (tool-calling branches left out).
const LLAMA_3 =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
const QWEN_2_5 =
  "{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}{%- for message in messages %}{%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\") %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const QWEN_3 =
  "{%- for message in messages %}{%- if message.role == \"user\" or message.role == \"system\" %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- elif message.role == \"assistant\" %}{%- set content = message.content %}{%- if '</think>' in content %}{%- set content = content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}{{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}";
const GEMMA_2 =
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}";
const PHI_3 =
  "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";

/**
 * Each family's metadata resolved as node-llama-cpp does (`auto`), plus the specialized wrappers
 * it picks for these families' full templates (tool and thinking branches included), by name.
 */
const FAMILIES: {
  name: string;
  architecture: string;
  template: string;
  type?: "llama3" | "llama3.2-lightweight" | "qwen";
  wrapper: string;
}[] = [
  { name: "Meta Llama 3 8B Instruct", architecture: "llama", template: LLAMA_3, wrapper: "Llama 3.1" },
  {
    name: "Meta Llama 3 8B Instruct",
    architecture: "llama",
    template: LLAMA_3,
    type: "llama3",
    wrapper: "Llama 3",
  },
  {
    name: "Llama 3.2 3B Instruct",
    architecture: "llama",
    template: LLAMA_3,
    type: "llama3.2-lightweight",
    wrapper: "Llama 3.2 lightweight",
  },
  { name: "Qwen2.5 3B Instruct", architecture: "qwen2", template: QWEN_2_5, wrapper: "ChatML" },
  { name: "Qwen3 4B", architecture: "qwen3", template: QWEN_3, wrapper: "ChatML" },
  { name: "Qwen3 4B", architecture: "qwen3", template: QWEN_3, type: "qwen", wrapper: "Qwen" },
  { name: "Gemma 2 2b It", architecture: "gemma2", template: GEMMA_2, wrapper: "Gemma" },
  { name: "Phi 3 Mini 4k Instruct", architecture: "phi3", template: PHI_3, wrapper: "JinjaTemplate" },
];

/**
 * A stand-in tokenizer that keeps every character (plain text as its code, special-token text
 * offset, built-in tokens by name), so token lists compare as exactly as the text they encode.
 */
const SPECIAL = 1_000_000;
const BUILTIN: Record<string, number> = {
  BOS: 2_000_001,
  EOS: 2_000_002,
  EOT: 2_000_003,
  SEP: 2_000_004,
  NL: 2_000_005,
};
const tokenize = ((text: string, special?: boolean | "builtin") => {
  if (special === "builtin") return [BUILTIN[text] ?? 2_000_000] as Token[];
  return [...text].map((c) => (c.codePointAt(0)! + (special ? SPECIAL : 0)) as Token);
}) as Tokenizer;
const tokenizer = Object.assign(tokenize, {
  detokenize: () => "",
  isSpecialToken: () => false,
  isEogToken: () => false,
}) as unknown as Tokenizer;
const model = { tokenizer, tokenize: (text: string) => tokenize(text) } as unknown as LlamaModel;

function wrapperFor(family: (typeof FAMILIES)[number]): ChatWrapper {
  const fileInfo = {
    metadata: {
      general: { architecture: family.architecture, name: family.name },
      tokenizer: { chat_template: family.template, ggml: {} },
    },
  } as unknown as GgufFileInfo;
  const wrapper = resolveChatWrapper({
    fileInfo,
    architecture: fileInfo.metadata.general.architecture,
    warningLogs: false,
    ...(family.type ? { type: family.type } : {}),
  });
  if (!wrapper) throw new Error(`no chat wrapper for ${family.name}`);
  return wrapper;
}

/** A session as Ember lays it out: plan and answer in one reply, or plan, outputs, then answer. */
const SYSTEM = "You are Ember.\nCommands you may run: status, search.";
const MESSAGES: { role: "user" | "model"; text: string }[] = [
  { role: "user", text: "[docs/antenna.md:3-5]\nThe mast is 12 m.\n\nQuestion: how tall is the mast?" },
  { role: "model", text: '{"commands":[]}\nTwelve metres.' },
  { role: "user", text: "Question: and is the node healthy?" },
  { role: "model", text: '{"commands":[{"name":"status","args":[]}]}' },
  { role: "user", text: "The commands ran. Their output:\n/status\nhealth: ok" },
  { role: "model", text: "Yes, it is healthy." },
  { role: "user", text: "Question: ¿y la antena?" },
];

describe("chat layout: earlier messages render the same when new ones follow", () => {
  for (const family of FAMILIES) {
    test(`${family.name} (${family.type ?? "auto"}): ${family.wrapper}, message by message equals the whole chat`, () => {
      const wrapper = wrapperFor(family);
      expect(wrapper.wrapperName).toBe(family.wrapper);
      const layout = chatLayout(model, wrapper);

      // Built as a conversation does: the prefix, then each message's tags and text, once.
      const built: Token[] = [...layout.prefix(SYSTEM)];
      let roles: Role[] = ["system"];
      for (const message of MESSAGES) {
        if (message.role === "model") {
          built.push(...tokenize(message.text));
          roles = [...roles, "model"];
          continue;
        }
        const { open, close } = layout.next(roles, "user");
        // The first user message's tag is already in the prefix.
        if (roles.length > 1) built.push(...open);
        built.push(...tokenize(message.text), ...close);
        roles = [...roles, "user"];
      }

      const history: ChatHistoryItem[] = [
        { type: "system", text: SYSTEM },
        ...MESSAGES.map(
          (m): ChatHistoryItem =>
            m.role === "user" ? { type: "user", text: m.text } : { type: "model", response: [m.text] },
        ),
        { type: "model", response: [] },
      ];
      const whole = wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(tokenizer);
      expect(built).toEqual(whole);
    });
  }
});
