import { expect, test } from "bun:test";
import { formatBytes } from "../../src/terminal/bytes.ts";

test("bytes as they are below 1 KiB, then one decimal in the largest binary unit that fits", () => {
  expect(formatBytes(0)).toBe("0 B");
  expect(formatBytes(512)).toBe("512 B");
  expect(formatBytes(1023)).toBe("1023 B");
  expect(formatBytes(1024)).toBe("1.0 KiB");
  expect(formatBytes(1536)).toBe("1.5 KiB");
  expect(formatBytes(25 * 1048576)).toBe("25.0 MiB");
  expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
  expect(formatBytes(2048 * 1024 ** 4)).toBe("2048.0 TiB");
});
