/**
 * File-system errors in the operator's words, for every layer: agents and plugins describe them
 * in a line (describeFsError), the updater names the ones an operator can fix
 * (update/fs-errors.ts, with the same words).
 */
const FS_REASONS: Record<string, string> = {
  ENOENT: "not found",
  ENOTDIR: "a part of the path is a file, not a folder",
  EROFS: "the filesystem is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EEXIST: "a file is in the way",
  EISDIR: "it is a folder",
};

/** What an fs error's code means, in words, when it is one an operator can act on. */
export function fsErrorReason(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ? FS_REASONS[code] : undefined;
}

/** One line for the operator: what went wrong in words, then the code and path for searching. */
export function describeFsError(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  const reason = fsErrorReason(error);
  if (reason) return `${reason} (${err.code}${err.path ? ` at ${err.path}` : ""})`;
  return err.message ?? String(error);
}
