/**
 * File-system errors in the operator's words, for every layer: agents and plugins describe them
 * in a line (describeFsError); the updater turns the failed writes an operator can fix
 * (explainWriteError) into its own error classes (update/fs-errors.ts), with these words.
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

/** A failed write the operator can fix: by making the place writable, or by freeing space. */
export type WriteProblem = "not-writable" | "no-space";

const WRITE_PROBLEMS: Record<string, WriteProblem> = {
  EROFS: "not-writable",
  EACCES: "not-writable",
  EPERM: "not-writable",
  ENOSPC: "no-space",
  EDQUOT: "no-space",
};

/** What an fs error's code means, in words, when it is one an operator can act on. */
function fsErrorReason(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ? FS_REASONS[code] : undefined;
}

/** Names a failed write of `path` the operator can fix, in one line; undefined for any other error. */
export function explainWriteError(
  error: unknown,
  path: string,
): { problem: WriteProblem; message: string } | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const problem = code ? WRITE_PROBLEMS[code] : undefined;
  return problem && { problem, message: `cannot write ${path}: ${fsErrorReason(error)}` };
}

/** One line for the operator: what went wrong in words, then the code and path for searching. */
export function describeFsError(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  const reason = fsErrorReason(error);
  if (reason) return `${reason} (${err.code}${err.path ? ` at ${err.path}` : ""})`;
  return err.message ?? String(error);
}
