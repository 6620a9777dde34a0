import type { Config } from "../config/schema.ts";
import type { Generation } from "../llm/bridge.ts";
import type { Conversation } from "../llm/conversation.ts";
import { ContextOverflowError } from "../llm/errors.ts";
import { type CommandRecord, renderToolOutputs } from "./act.ts";
import { CONTEXT_SETTING } from "./plan.ts";
import { fillTemplate, type PromptTemplate } from "./prompts.ts";

/**
 * The respond step of a turn: the answer, streamed as it is decoded. With no command named it
 * follows the plan in the same reply at once; otherwise the command outputs come in as a message
 * of their own (cut to what the context can hold beside a full answer) and the answer follows.
 */

export const OUTPUTS_CUT = "\n[… outputs cut to fit the context]";
/** Room for the chat template's tags around the outputs message. */
const TAG_ROOM = 32;

export interface RespondOptions {
  conversation: Conversation;
  template: PromptTemplate;
  question: string;
  commands: readonly CommandRecord[];
  llm: Config["llm"];
  seed?: number;
  signal: AbortSignal;
  onText(text: string): void;
}

export async function respond(options: RespondOptions): Promise<Generation> {
  const { conversation, llm } = options;
  if (options.commands.length === 0) conversation.appendText("\n");
  else await addOutputs(options);
  await conversation.makeRoom(llm.maxTokens, CONTEXT_SETTING);
  return conversation.generate({
    maxTokens: llm.maxTokens,
    temperature: llm.temperature,
    topP: llm.topP,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    signal: options.signal,
    onText: options.onText,
  });
}

/** The outputs message, its outputs cut (once, by tokens) to what fits beside a full answer. */
async function addOutputs(options: RespondOptions): Promise<void> {
  const { conversation, llm } = options;
  const [before, after = ""] = options.template.user.split("{tool_outputs}") as [string, string?];
  const fill = (part: string) => fillTemplate(part, { user_prompt: options.question });
  const frame = `${fill(before)}${fill(after)}`;
  const reserve =
    conversation.countTokens(frame) + conversation.countTokens(OUTPUTS_CUT) + TAG_ROOM + llm.maxTokens;
  const outputs = renderToolOutputs(options.commands);
  const tokens = conversation.bridge.model.tokenize(outputs, false, "trimLeadingSpace");
  // Older turns make way for this one's outputs before the outputs are cut.
  const wanted = reserve + tokens.length;
  if (conversation.free < wanted) {
    try {
      await conversation.makeRoom(wanted);
    } catch (error) {
      if (!(error instanceof ContextOverflowError)) throw error;
    }
  }
  const room = conversation.free - reserve;
  if (room < 0)
    throw new ContextOverflowError(
      conversation.tokens.length + reserve,
      conversation.contextSize,
      CONTEXT_SETTING,
    );
  const shown =
    room >= tokens.length
      ? outputs
      : `${conversation.bridge.model.detokenize(tokens.slice(0, room))}${OUTPUTS_CUT}`;
  conversation.addUserMessage(`${fill(before)}${shown}${fill(after)}`);
}
