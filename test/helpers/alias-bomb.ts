/**
 * A YAML alias bomb: 9 levels of `&a [*a, *a, …]`, 9 aliases each, so building it as data would
 * make 9^10 items. A few hundred bytes that a parser without limits turns into gigabytes.
 */
export function aliasBomb(): string {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n`;
}
