/**
 * z-normalisation with the engine's convention, bit for bit what the native addon (native/src/addon.cpp,
 * kernels_generic.inc) and the TypeScript reference engine compute:
 *  - statistics from a sum and a sum of squares: mean = sum/m; var = sumsq/m - mean*mean;
 *    std = sqrt(var) if var > 0 else 0;
 *  - flat rule: a window with !(std > 1e-6*|mean|) or std == 0 normalises to all zeros; else z = (x - mean)/std;
 *  - one series on its own (a query, a stored pattern): sequential sums from its first value (`znormStats`,
 *    `zNormalizeInto`);
 *  - the length-m windows of a series (search candidates at every start s): running sums restarted from
 *    scratch every ZBLOCK = 64 starts (s % 64 == 0), otherwise updated with sum += x_new - x_old;
 *    sumsq += x_new*x_new - x_old*x_old (`WindowStats`).
 * Pure (no Node or DOM imports): the renderer, main, the reference engine and its worker all import it.
 * Must never: change a single operation or its order without the native kernels changing with it.
 */

/** Candidate windows restart their running sums at every start that is a multiple of this. */
export const ZBLOCK = 64;
/** A window is flat when its std is not above FLAT_REL * |mean|. */
export const FLAT_REL = 1e-6;

export interface ZStats {
  mean: number;
  std: number;
  flat: boolean;
}

/** Writes mean, std and the flat flag of m values with the given sum and sum of squares into `out`. */
export function finishStatsInto(out: ZStats, sum: number, sumsq: number, m: number): ZStats {
  const mean = sum / m;
  const v = sumsq / m - mean * mean;
  const std = v > 0 ? Math.sqrt(v) : 0;
  out.mean = mean;
  out.std = std;
  out.flat = !(std > FLAT_REL * Math.abs(mean)) || std === 0;
  return out;
}

export function finishStats(sum: number, sumsq: number, m: number): ZStats {
  return finishStatsInto({ mean: 0, std: 0, flat: true }, sum, sumsq, m);
}

/** Statistics of x[start .. start+m) from sequential sums (a query; every candidate at a ZBLOCK boundary). */
export function znormStats(x: ArrayLike<number>, start = 0, m = x.length - start): ZStats {
  let sum = 0;
  let sumsq = 0;
  for (let j = 0; j < m; j++) {
    const v = x[start + j]!;
    sum += v;
    sumsq += v * v;
  }
  return finishStats(sum, sumsq, m);
}

/** The normalised value of v under `st` (0 for a flat window). */
export function zValue(v: number, st: ZStats): number {
  return st.flat ? 0 : (v - st.mean) / st.std;
}

/** out[offset + j] = z-normalised x[start + j] under `st`, for j < m. */
export function zNormalizeWindowInto(x: ArrayLike<number>, start: number, m: number, st: ZStats, out: Float64Array | Float32Array, offset = 0): void {
  if (st.flat) {
    out.fill(0, offset, offset + m);
    return;
  }
  const mean = st.mean;
  const std = st.std;
  for (let j = 0; j < m; j++) out[offset + j] = (x[start + j]! - mean) / std;
}

/** z-normalises the whole of x (its own sequential statistics) into out[offset ..]; returns the statistics. */
export function zNormalizeInto(x: ArrayLike<number>, out: Float64Array | Float32Array, offset = 0): ZStats {
  const st = znormStats(x, 0, x.length);
  zNormalizeWindowInto(x, 0, x.length, st, out, offset);
  return st;
}

export function zNormalize(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  zNormalizeInto(x, out);
  return out;
}

/** The search's query: a z-normalised copy, or a plain copy when z-normalisation is off. */
export function normalizeQuery(query: ArrayLike<number>, znormalize: boolean): Float64Array {
  if (znormalize) return zNormalize(query);
  return Float64Array.from(query as ArrayLike<number>);
}

/**
 * The statistics of the length-m windows of x with the candidate convention (running sums restarted every
 * ZBLOCK starts). `seek(s)` is O(1) when s follows the previous start; any other s replays from the start
 * of its block, so the answer for a given s never depends on the order of the calls. The object itself is
 * the current ZStats (no allocation per start).
 */
export class WindowStats implements ZStats {
  mean = 0;
  std = 0;
  flat = true;
  private sum = 0;
  private sumsq = 0;
  private at = -1;

  constructor(
    private readonly x: ArrayLike<number>,
    private readonly m: number,
  ) {}

  /** Number of window starts: x.length - m + 1 (0 when m > x.length). */
  get starts(): number {
    return Math.max(0, this.x.length - this.m + 1);
  }

  seek(s: number): this {
    if (s === this.at) return this;
    if (s % ZBLOCK === 0 || s !== this.at + 1) {
      const b = s - (s % ZBLOCK);
      this.restart(b);
      for (let t = b + 1; t <= s; t++) this.roll(t);
    } else this.roll(s);
    this.at = s;
    finishStatsInto(this, this.sum, this.sumsq, this.m);
    return this;
  }

  private restart(b: number): void {
    const x = this.x;
    let sum = 0;
    let sumsq = 0;
    for (let j = 0; j < this.m; j++) {
      const v = x[b + j]!;
      sum += v;
      sumsq += v * v;
    }
    this.sum = sum;
    this.sumsq = sumsq;
  }

  private roll(s: number): void {
    const xn = this.x[s + this.m - 1]!;
    const xo = this.x[s - 1]!;
    this.sum += xn - xo;
    this.sumsq += xn * xn - xo * xo;
  }
}

/** Mean, std and flat flag of every window start of x (candidate convention), as columns. */
export function windowStatsAll(x: ArrayLike<number>, m: number): { mean: Float64Array; std: Float64Array; flat: Uint8Array } {
  const ws = new WindowStats(x, m);
  const n = ws.starts;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  const flat = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    ws.seek(s);
    mean[s] = ws.mean;
    std[s] = ws.std;
    flat[s] = ws.flat ? 1 : 0;
  }
  return { mean, std, flat };
}
