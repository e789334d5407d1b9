/**
 * Input validation shared by both backends: turns bad input into WarpdeskError with a code and a sentence.
 * The native addon validates again on its side (it must never crash on its own), but the facade checks
 * first so both backends report the same codes and messages for the same input.
 * Must never: copy the arrays or mutate them.
 */
import { WarpdeskError } from '../../shared/errors';
import type { DtwCost, LcssOptions, NumericArray, PatternInput, QuantizedPattern } from './types';

/** Largest DP area (cells) a single call may ask for before we call it absurd. */
export const MAX_CELLS = 1e11;
/** Largest warping-path matrix (cells) we allocate (8 bytes each). */
export const MAX_PATH_CELLS = 2 ** 25;
/**
 * Largest memory an LCSS matrix call may need (issue 12): the n x n result is 8 bytes per cell and the
 * native job was measured at 15.6 bytes per cell in all, so 16 * n^2 bytes is the estimate (n <= 8192).
 */
export const MAX_MATRIX_BYTES = 2 ** 30;
/** Largest array length accepted. */
export const MAX_LENGTH = 2 ** 30;

export function isNumericArray(x: unknown): x is NumericArray {
  return x instanceof Float64Array || x instanceof Float32Array;
}

export function isQuantized(x: unknown): x is QuantizedPattern {
  return !!x && typeof x === 'object' && (x as QuantizedPattern).kind === 'quantized' && (x as QuantizedPattern).codes instanceof Uint8Array;
}

export function checkArray(x: unknown, name: string, allowEmpty = false): NumericArray {
  if (!isNumericArray(x)) throw new WarpdeskError('InvalidInput', `The ${name} must be a Float32Array or Float64Array.`, { argument: name });
  if (x.length === 0 && !allowEmpty) throw new WarpdeskError('InvalidInput', `The ${name} must not be empty.`, { argument: name });
  if (x.length > MAX_LENGTH) throw new WarpdeskError('TooLarge', `The ${name} has ${x.length} values, more than the ${MAX_LENGTH} the engine accepts.`, { argument: name });
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v - v === 0)) throw new WarpdeskError('NonFinite', `The ${name} contains a non-finite value (${v}) at index ${i}.`, { argument: name, index: i });
  }
  return x;
}

/** Returns the pattern as a plain numeric array (quantized patterns are dequantized). */
export function checkPattern(x: unknown, name: string): NumericArray {
  if (isQuantized(x)) {
    const { codes, scale, offset } = x;
    if (codes.length === 0) throw new WarpdeskError('InvalidInput', `The ${name} must not be empty.`, { argument: name });
    if (!Number.isFinite(scale) || !Number.isFinite(offset) || scale < 0) throw new WarpdeskError('NonFinite', `The quantized ${name} has an invalid scale or offset.`, { argument: name });
    return dequantize(x);
  }
  return checkArray(x, name);
}

export function checkWindow(w: unknown, name = 'window'): number {
  if (w === undefined || w === null) return -1;
  if (typeof w !== 'number' || !Number.isFinite(w)) throw new WarpdeskError('InvalidInput', `The ${name} must be a finite number of samples.`, { argument: name });
  if (w < 0) throw new WarpdeskError('InvalidInput', `The ${name} must be 0 or more samples (got ${w}).`, { argument: name });
  if (!Number.isInteger(w)) throw new WarpdeskError('InvalidInput', `The ${name} must be a whole number of samples (got ${w}); use Math.ceil(ratio * length).`, { argument: name });
  return Math.min(w, MAX_LENGTH);
}

export function checkCost(c: unknown): DtwCost {
  if (c === undefined) return 'squared';
  if (c !== 'squared' && c !== 'absolute') throw new WarpdeskError('InvalidInput', `The cost must be 'squared' or 'absolute' (got ${String(c)}).`, { argument: 'cost' });
  return c;
}

export function checkInt(v: unknown, name: string, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new WarpdeskError('InvalidInput', `The ${name} must be a whole number (got ${String(v)}).`, { argument: name });
  if (v < min) throw new WarpdeskError('InvalidInput', `The ${name} must be at least ${min} (got ${v}).`, { argument: name });
  if (v > max) throw new WarpdeskError('TooLarge', `The ${name} must be at most ${max} (got ${v}).`, { argument: name });
  return v;
}

export function effectiveWindow(window: number, n: number, m: number): number {
  let w = window < 0 ? Math.max(n, m) : window;
  if (w < Math.abs(n - m)) w = Math.abs(n - m);
  return Math.min(w, Math.max(n, m));
}

export function checkCells(n: number, m: number, window: number, what: string): void {
  const w = effectiveWindow(window, n, m);
  const cells = n * Math.min(m, 2 * w + 1);
  if (cells > MAX_CELLS) throw new WarpdeskError('TooLarge', `The ${what} would need ${cells.toExponential(2)} DTW cells, more than the ${MAX_CELLS.toExponential(0)} allowed; use a smaller window or shorter inputs.`);
}

/** Refuses an n x n matrix whose estimated memory (16 * n^2 bytes) exceeds MAX_MATRIX_BYTES. */
export function checkMatrixSize(n: number, what: string): void {
  const bytes = 16 * n * n;
  if (bytes > MAX_MATRIX_BYTES)
    throw new WarpdeskError(
      'TooLarge',
      `The ${what} of ${n} series would need about ${(bytes / 2 ** 30).toFixed(1)} GiB (${n} x ${n} cells), more than the ${MAX_MATRIX_BYTES / 2 ** 30} GiB allowed; use at most ${Math.floor(Math.sqrt(MAX_MATRIX_BYTES / 16))} series.`,
      { series: n, estimatedBytes: bytes, limitBytes: MAX_MATRIX_BYTES },
    );
}

/** A DTW distance must be finite: finite inputs whose squared differences overflow get a typed error, not Infinity. */
export function checkDistance(d: number, what = 'DTW distance'): number {
  if (!Number.isFinite(d)) throw new WarpdeskError('NonFinite', `The ${what} overflows (${d}): the values are too large to compare; scale or z-normalise them first.`, { value: String(d) });
  return d;
}

/** Same check over a batch of distances. */
export function checkDistances(out: Float64Array, what = 'DTW distance'): Float64Array {
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) checkDistance(out[i]!, `${what} of candidate ${i}`);
  return out;
}

export function checkLcssOptions(o: unknown): { epsilon: number; delta: number } {
  if (!o || typeof o !== 'object') throw new WarpdeskError('InvalidInput', 'The LCSS options must be an object with epsilon (and optionally delta).');
  const { epsilon, delta } = o as LcssOptions;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0) throw new WarpdeskError('InvalidInput', `The LCSS epsilon must be a finite number >= 0 (got ${String(epsilon)}).`, { argument: 'epsilon' });
  const d = delta === undefined ? MAX_LENGTH : checkInt(delta, 'delta', 0, Number.MAX_SAFE_INTEGER);
  return { epsilon, delta: Math.min(d, MAX_LENGTH) };
}

/**
 * 8-bit quantization. scale = (max - min) / 255, offset = min, code = round((x - min) / scale) (ties up);
 * dequantized value offset + scale * code is within scale/2 + 4 * 2^-53 * max(|min|, |max|) + 2^-1070 of x
 * (max - min when the range is so tiny that scale underflows to 0).
 */
export function quantize(pattern: NumericArray): QuantizedPattern {
  const x = checkArray(pattern, 'pattern');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < lo) lo = x[i]!;
    if (x[i]! > hi) hi = x[i]!;
  }
  const scale = (hi - lo) / 255;
  const codes = new Uint8Array(x.length);
  if (scale > 0) {
    for (let i = 0; i < x.length; i++) {
      const v = (x[i]! - lo) / scale;
      let r = Math.floor(v);
      if (v - r >= 0.5) r += 1;
      codes[i] = r < 0 ? 0 : r > 255 ? 255 : r;
    }
  }
  // scale underflows to 0 only when max - min is subnormal-tiny: then every code is 0 and the error is <= max - min
  const maxError = scale > 0 ? scale / 2 + 4 * 2 ** -53 * Math.max(Math.abs(lo), Math.abs(hi)) + 2 ** -1070 : hi - lo;
  return { kind: 'quantized', codes, scale, offset: lo, maxError };
}

export function dequantize(q: QuantizedPattern): Float64Array {
  const out = new Float64Array(q.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = q.offset + q.scale * q.codes[i]!;
  return out;
}

export function identical(a: NumericArray, b: NumericArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export type { PatternInput };
