import type * as v from "valibot";

/**
 * A schema problem in the operator's words: our message, then what was found. valibot's own
 * messages ("Invalid type: Expected number but received "x"") already say what was received, so
 * they get nothing more: `Expected <=1 but received 2 (got 2)` said it twice.
 */
export function issueText(issue: v.BaseIssue<unknown>): string {
  const message = issue.message.replace(/^Invalid \w+: /, "");
  const said = /\breceived\b/.test(message);
  const got = issue.received && issue.received !== "undefined" && !said ? ` (got ${issue.received})` : "";
  return `${message}${got}`;
}
