/**
 * A seeded pseudo-random generator: the same seed gives the same sequence on every machine,
 * so bootstrap intervals and synthetic fixtures are reproducible.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  int(bound: number): number;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
}

/**
 * sfc32 (PractRand-clean, 128-bit state) seeded through splitmix32, so that neighbouring seeds
 * (1, 2, 3, ...) still start unrelated streams. The seed is taken as a 32-bit integer.
 */
export function createRandom(seed: number): Random {
  return new Sfc32(seed);
}

// The state lives in an Int32Array: 32-bit words kept in plain fields or closure variables
// get boxed by V8 (they overflow its small integers), which made the bootstrap's inner loop
// two to three times slower.
class Sfc32 implements Random {
  private readonly state = new Int32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    let s = Math.trunc(seed) >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    for (let i = 0; i < 4; i++) this.state[i] = splitmix();
    // The first outputs of sfc32 still show the seeding.
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const s = this.state;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    s[3] = (d + 1) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    // Box-Muller; 1 - next() keeps the logarithm away from 0.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}
