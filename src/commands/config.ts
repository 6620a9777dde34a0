import { describeSource, effectiveValues, formatValue } from "../config/describe.ts";
import { formatIssue, issueLines } from "../config/load.ts";
import { getPath } from "../config/tree.ts";
import { configKeys, setConfigValue } from "../config/write.ts";
import { formatTable } from "../terminal/table.ts";
import { type SlashCommand, UsageError } from "./types.ts";

const ACTIONS = ["show", "get", "set"] as const;

export const configCommand: SlashCommand = {
  name: "config",
  summary: "show, read or change settings (changes go to the vault's config/zz-local.yml)",
  usage: "/config show | get KEY | set KEY VALUE",
  plannerAllowed: false,
  requiresReady: false,
  complete(args, _partial, host) {
    if (args.length === 0) return ACTIONS;
    if (args.length === 1 && (args[0] === "get" || args[0] === "set")) return configKeys(host.settings);
    return [];
  },
  run(args, { host, out, style, rest }) {
    const [action = "show", key] = args;
    const settings = host.settings;
    if (action === "show") {
      const rows = effectiveValues(settings, host.cwd).map((e) => [
        e.key,
        formatValue(e.value),
        style.dim(e.source),
      ]);
      for (const line of formatTable(rows, "  ")) out.line(line);
      for (const issue of issueLines(settings)) out.line(style.red(`! ${issue}`));
      for (const warning of settings.warnings) out.line(style.yellow(`~ ${formatIssue(warning)}`));
      return;
    }
    if (action === "get") {
      if (!key) throw new UsageError("which key?");
      if (!configKeys(settings).includes(key)) throw new UsageError(`unknown key ${key}`);
      const source = describeSource(settings.sources.get(key), host.cwd);
      out.line(
        `${key} = ${formatValue(getPath(settings.config, key.split(".")))}  ${style.dim(`(${source})`)}`,
      );
      return;
    }
    if (action === "set") {
      const valueText = rest.replace(/^\s*set\s+\S+\s?/, "");
      if (!key || valueText === "") throw new UsageError("which key and value?");
      const { file, previous, value } = setConfigValue(settings, key, valueText);
      host.logger.log.info("config set", { key, previous, value, file, source: "operator" });
      host.reloadConfig();
      const effective = getPath(host.settings.config, key.split("."));
      out.line(
        `${key} = ${formatValue(effective)}  ${style.dim(`(${describeSource(host.settings.sources.get(key), host.cwd)})`)}`,
      );
      if (JSON.stringify(effective) !== JSON.stringify(value)) {
        out.line(
          style.yellow(
            `note: ${describeSource(host.settings.sources.get(key), host.cwd)} still overrides it`,
          ),
        );
      }
      return;
    }
    throw new UsageError(`unknown action ${action}`);
  },
};
