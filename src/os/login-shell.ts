import { accessSync, constants, statSync } from "node:fs";
import { readFileCapped } from "../fs/safe-open.ts";

const PASSWD_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The shell /etc/passwd gives this user, "" without an entry. Read directly because Bun's
 * os.userInfo().shell echoes $SHELL (or "unknown") instead of reading the database.
 */
export function passwdShell(passwd = "/etc/passwd", uid = process.getuid?.() ?? -1): string {
  let text: string;
  try {
    // Capped like every file parsed; a password database of thousands of accounts fits.
    text = readFileCapped(passwd, PASSWD_MAX_BYTES).toString("utf8");
  } catch {
    return "";
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields.length >= 7 && fields[2] === String(uid)) return fields[6] ?? "";
  }
  return "";
}

/** The operator's shell: $SHELL, else the password database's; `usable` says whether it can be run. */
export function loginShell(
  env: Record<string, string | undefined> = process.env,
  fromPasswd: () => string = passwdShell,
): {
  path: string;
  from: string;
  usable: boolean;
} {
  const fromEnv = env.SHELL;
  const [path, from] = fromEnv ? [fromEnv, "$SHELL"] : [fromPasswd(), "/etc/passwd"];
  return { path, from, usable: path !== "" && isExecutable(path) };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
