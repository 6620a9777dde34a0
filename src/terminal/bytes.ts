/**
 * `512 B`, `1.5 KiB`, `3.0 GiB`: a size as people read it, in binary units as `du -h` shows
 * them, with the IEC names so that nobody reads 1024-based figures as powers of 1000.
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
