/** A slash-command line split into its name, its words and the raw text after the name. */
export interface ParsedCommandLine {
  name: string;
  args: string[];
  rest: string;
}

/**
 * `/config set llm.maxTokens 64` -> name "config", args [set, llm.maxTokens, 64]. Arguments are
 * whitespace-separated words; commands that take free text (search queries, config values) read
 * `rest` instead, so no quoting language is needed.
 */
export function parseCommandLine(line: string): ParsedCommandLine | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("/")) return undefined;
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(trimmed);
  const name = match?.[1] ?? "";
  const rest = match?.[2] ?? "";
  return { name: name.toLowerCase(), args: rest.split(/\s+/).filter(Boolean), rest };
}
