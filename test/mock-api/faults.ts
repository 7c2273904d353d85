// Why: crawlers must survive 5xx, resets, hangs and truncated bodies; the mock injects them from a seeded
// PRNG so that a failing run can be replayed exactly (same seed + same request order => same faults).

export type FaultKind = '5xx' | 'reset' | 'hang' | 'truncated';

export interface FaultRates {
  seed?: number;
  error5xx?: number;
  reset?: number;
  hang?: number;
  truncated?: number;
}

/** mulberry32: a tiny, fast 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES_5XX = [500, 502, 503, 504] as const;

/** Draws one fault decision per data request from the configured probabilities. */
export class FaultPicker {
  private readonly random: () => number;
  /** Cumulative thresholds in the order 5xx, reset, hang, truncated. */
  private readonly thresholds: [number, FaultKind][];

  constructor(rates: FaultRates = {}) {
    this.random = mulberry32(rates.seed ?? 1);
    let sum = 0;
    const steps: [number | undefined, FaultKind][] = [
      [rates.error5xx, '5xx'],
      [rates.reset, 'reset'],
      [rates.hang, 'hang'],
      [rates.truncated, 'truncated'],
    ];
    this.thresholds = [];
    for (const [p, kind] of steps) {
      if (p === undefined || p <= 0) continue;
      if (!(p <= 1)) throw new Error(`fault probability out of 0..1: ${kind}=${p}`);
      sum += p;
      this.thresholds.push([sum, kind]);
    }
    if (sum > 1 + 1e-9) throw new Error(`fault probabilities sum to ${sum} > 1`);
  }

  /** True when no fault can ever be drawn (then no PRNG draw happens either). */
  get idle(): boolean {
    return this.thresholds.length === 0;
  }

  /** The fault for the next data request, or null for a normal answer. */
  pick(): FaultKind | null {
    if (this.idle) return null;
    const u = this.random();
    for (const [threshold, kind] of this.thresholds) if (u < threshold) return kind;
    return null;
  }

  /** Which 5xx status a random '5xx' fault answers with. */
  pick5xxStatus(): number {
    return STATUSES_5XX[Math.floor(this.random() * STATUSES_5XX.length)];
  }
}
