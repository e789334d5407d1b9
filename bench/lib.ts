/**
 * Shared shapes and helpers for benchmarks. A benchmark module is `bench/<capability>.bench.ts` with
 * `export default async function run(ctx: BenchContext): Promise<BenchSection>`; `bench/run.ts` discovers
 * them, prints each section as a table and writes one JSON file per section (plus the machine) into
 * `bench-results/`. Benchmarks measure; tests never assert on time.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '../src/shared/random';

export interface BenchContext {
  /** `--quick` shrinks sizes for a smoke run (used by tests of the runner itself, never for reported numbers). */
  quick?: boolean;
  /** Scratch folder the benchmark may write to; removed afterwards. */
  tmpDir?: string;
}

export type BenchCell = string | number;
export interface BenchSection {
  name: string;
  rows: Array<Record<string, BenchCell>>;
  notes?: string[];
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  node: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: os.platform(),
    arch: os.arch(),
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Runs `fn` `iterations` times after `warmup` runs and returns per-run milliseconds, sorted ascending. */
export async function timeRuns(fn: () => unknown | Promise<unknown>, iterations: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples.sort((a, b) => a - b);
}

/** Quantile of an ascending-sorted sample (nearest rank). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx]!;
}

export function median(sorted: number[]): number {
  return quantile(sorted, 0.5);
}

/** Deterministic PRNG (mulberry32) so benchmark inputs are the same on every run. */
export const seededRandom = mulberry32;

/** A seeded Gaussian random walk of `n` points. */
export function randomWalk(n: number, seed: number): Float64Array {
  const rnd = seededRandom(seed);
  const out = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    const u = Math.max(rnd(), 1e-12);
    const v = rnd();
    x += Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out[i] = x;
  }
  return out;
}

export function formatTable(rows: Array<Record<string, BenchCell>>): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Array.from(new Set(rows.flatMap((r) => Object.keys(r))));
  const fmt = (v: BenchCell | undefined): string =>
    v === undefined ? '' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(cols), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map((r) => line(cols.map((c) => fmt(r[c]))))].join('\n');
}
