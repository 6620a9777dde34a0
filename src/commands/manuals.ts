// The manual pages ship inside the binary: one import per page in docs/commands/.
import agents from "../../docs/commands/agents.md" with { type: "text" };
import clear from "../../docs/commands/clear.md" with { type: "text" };
import config from "../../docs/commands/config.md" with { type: "text" };
import help from "../../docs/commands/help.md" with { type: "text" };
import history from "../../docs/commands/history.md" with { type: "text" };
import man from "../../docs/commands/man.md" with { type: "text" };
import model from "../../docs/commands/model.md" with { type: "text" };
import newConversation from "../../docs/commands/new.md" with { type: "text" };
import plugins from "../../docs/commands/plugins.md" with { type: "text" };
import quit from "../../docs/commands/quit.md" with { type: "text" };
import search from "../../docs/commands/search.md" with { type: "text" };
import status from "../../docs/commands/status.md" with { type: "text" };
import update from "../../docs/commands/update.md" with { type: "text" };

export const MANUALS: Readonly<Record<string, string>> = {
  agents,
  clear,
  config,
  help,
  history,
  man,
  model,
  plugins,
  new: newConversation,
  quit,
  search,
  status,
  update,
};
