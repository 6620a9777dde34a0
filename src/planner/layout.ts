import type { ChatHistoryItem } from "node-llama-cpp";
import type { SlashCommand } from "../commands/types.ts";
import { fillTemplate, type PromptTemplate, type PromptValues } from "./prompts.ts";

/**
 * How a turn's prompts are laid out so that they share their beginning:
 *
 *   [system: instructions, commands, core documents | excerpts] [user: history, question, planner instruction]
 *   ── the planner generates the plan here ──
 *   [model: the plan] [user: command outputs, responder instruction]
 *   ── the responder answers here ──
 *
 * The responder's prompt is the planner's conversation continued, so every token the planner
 * pass evaluated (its prompt and the plan it generated) is reused as is by the responder.
 */

export function describeCommands(commands: readonly SlashCommand[]): string {
  return commands.map((c) => `- ${c.name}: ${c.summary} (usage: ${c.usage})`).join("\n");
}

export function plannerMessages(template: PromptTemplate, values: PromptValues): ChatHistoryItem[] {
  const system = fillTemplate(template.system, values);
  const user = fillTemplate(template.user, values);
  return system === ""
    ? [{ type: "user", text: user }]
    : [
        { type: "system", text: system },
        { type: "user", text: user },
      ];
}

export function responderMessages(
  planner: readonly ChatHistoryItem[],
  planText: string,
  template: PromptTemplate,
  values: PromptValues,
): ChatHistoryItem[] {
  return [
    ...planner,
    { type: "model", response: [planText] },
    { type: "user", text: fillTemplate(template.user, values) },
  ];
}

/**
 * The values with everything that changes from turn to turn left empty: rendering the planner
 * prompt with them and comparing tokens with a real turn's prompt finds the static prefix.
 */
export function staticValues(values: PromptValues, staticDocumentation: string): PromptValues {
  return { ...values, documentation: staticDocumentation, history: "", user_prompt: "", tool_outputs: "" };
}
