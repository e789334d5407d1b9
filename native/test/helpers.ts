/** Shared helpers for the native engine tests: loading the addon and deterministic data. */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Native from '../index';

const req = createRequire(__filename);
export const native = req(path.join(__dirname, '..', 'index.js')) as typeof Native;
export const isNative = native.backend === 'native';
export const levels: string[] = isNative ? native.availableLevels() : [];

export function walk(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x += s / 2 ** 32 - 0.5;
    out[i] = x;
  }
  return out;
}

/** Documented f32 tolerance (native/README.md): relative error <= (n + m + 4) * 2^-23. */
export function f32Tolerance(n: number, m: number, ref: number): number {
  return (n + m + 4) * 2 ** -23 * Math.abs(ref) + 1e-30;
}
