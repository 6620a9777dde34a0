/**
 * Deterministic random numbers for weights: xoshiro128** seeded through splitmix32 from
 * (seed, stream name). Each tensor draws from its own stream, so a tensor's values depend only
 * on the seed and its name, never on the order tensors are written in.
 */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, stream: string) {
    let state = (seed ^ Math.imul(hashString(stream), 0x9e3779b9)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1; // never the all-zero state
  }

  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /**
   * Fills `out` with approximately N(0, std²) values: the Irwin-Hall sum of the four bytes of one
   * draw. That is within ~1% of a Gaussian where it matters for weights and costs one draw per
   * value, which keeps a 1.2B-parameter file to seconds. Values are bounded by ±3.45 std.
   */
  fillNormal(out: Float32Array, std: number): Float32Array {
    const scale = std / IRWIN_HALL_4_BYTE_STD;
    let { s0, s1, s2, s3 } = this;
    for (let i = 0; i < out.length; i++) {
      const r = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotateLeft(s3, 11);
      const sum = (r & 0xff) + ((r >>> 8) & 0xff) + ((r >>> 16) & 0xff) + (r >>> 24);
      out[i] = (sum - 510) * scale;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }
}

/** Standard deviation of the sum of four independent uniform bytes: sqrt(4 * (256² - 1) / 12). */
const IRWIN_HALL_4_BYTE_STD = Math.sqrt((4 * (256 * 256 - 1)) / 12);

function rotateLeft(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over UTF-16 code units. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}
