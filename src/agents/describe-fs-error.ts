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

/** One line for the operator: what went wrong in words, then the code and path for searching. */
export function describeFsError(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  const reason = err.code ? FS_REASONS[err.code] : undefined;
  if (reason) return `${reason} (${err.code}${err.path ? ` at ${err.path}` : ""})`;
  return err.message ?? String(error);
}
