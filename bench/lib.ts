/**
 * Shared shapes and helpers for benchmarks. A benchmark module is `bench/<capability>.bench.ts` with
 * `export default async function run(ctx: BenchContext): Promise<BenchSection>`; `bench/run.ts` discovers
 * them, prints each section as a table and writes one JSON file per section (plus the machine) into
 * `bench-results/`. Benchmarks measure; tests never assert on time.
 *
 * Targets and the regression column: a row may carry `target` (text, e.g. '< 30 s') and `met` (boolean,
 * printed ✓/✗). `compareWithPrevious` (pure: two section JSONs in, one `Δ prev` cell per row out) matches
 * each row with the previous run's row of the same key and prints the change of its compared column,
 * marked when it moved the wrong way beyond a noise margin (default 10 %), so a slower kernel shows at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '../src/shared/random';

export interface BenchContext {
  /** `--quick` shrinks sizes for a smoke run (used by tests of the runner itself, never for reported numbers). */
  quick?: boolean;
  /** Scratch folder the benchmark may write to; removed afterwards. */
  tmpDir?: string;
}

/** A table cell; booleans are for the `met` column and print as ✓ / ✗. */
export type BenchCell = string | number | boolean;
export type BenchRow = Record<string, BenchCell>;

/** Which numeric column a row is compared on across runs, and which way is better. */
export interface BenchCompare {
  column: string;
  better: 'lower' | 'higher';
}

export interface BenchSection {
  name: string;
  rows: BenchRow[];
  notes?: string[];
  /** Columns that identify a row across runs; default: the first column, widened left to right until unique. */
  key?: string[];
  /** Columns compared with the previous run, first numeric one per row wins; default: `defaultCompare(rows)`. */
  compare?: BenchCompare[];
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

export function formatCell(v: BenchCell | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return v;
}

/** Prints rows as a Markdown table; `target` and `met` columns (when any row has them) and `Δ prev` come last. */
export function formatTable(rows: BenchRow[]): string {
  if (rows.length === 0) return '(no rows)';
  const tail = ['target', 'met', CHANGE_COLUMN];
  const all = Array.from(new Set(rows.flatMap((r) => Object.keys(r))));
  const cols = [...all.filter((c) => !tail.includes(c)), ...tail.filter((c) => all.includes(c))];
  const fmt = formatCell;
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(cols), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map((r) => line(cols.map((c) => fmt(r[c]))))].join('\n');
}

/** The column `compareWithPrevious` fills. */
export const CHANGE_COLUMN = 'Δ prev';

/** Sets `target` and `met` on a row: met when `value` satisfies `value < limit` (or `>` for 'higher'). */
export function withTarget(row: BenchRow, value: number, limit: number, target: string, better: 'lower' | 'higher' = 'lower'): BenchRow {
  return { ...row, target, met: better === 'lower' ? value < limit : value > limit };
}

const TIME_LIKE = /(^|[^a-z])(ms|s|µs|us|ns)([^a-z]|$)|time|p50|p90|p99|latency|ns\/cell|rss|mib/i;
const RATIO_LIKE = /^x |speed-?up|ratio|throughput|per s|\/s$/i;

/** Default compared columns: numeric columns named like times/sizes (lower is better) or ratios (higher is better). */
export function defaultCompare(rows: BenchRow[]): BenchCompare[] {
  const cols = Array.from(new Set(rows.flatMap((r) => Object.keys(r))));
  const numeric = cols.filter((c) => c !== 'met' && c !== 'target' && c !== CHANGE_COLUMN && rows.some((r) => typeof r[c] === 'number'));
  const out: BenchCompare[] = [];
  for (const c of numeric) if (TIME_LIKE.test(c) && !/rss|mib/i.test(c)) out.push({ column: c, better: 'lower' });
  for (const c of numeric) if (RATIO_LIKE.test(c)) out.push({ column: c, better: 'higher' });
  for (const c of numeric) if (/rss|mib/i.test(c)) out.push({ column: c, better: 'lower' });
  return out;
}

/** Key columns: the section's own, else the first column widened column by column until every row's key is unique. */
export function keyColumns(rows: BenchRow[], key?: string[]): string[] {
  if (key && key.length > 0) return key;
  const cols = Array.from(new Set(rows.flatMap((r) => Object.keys(r)))).filter((c) => c !== 'met' && c !== CHANGE_COLUMN);
  for (let n = 1; n <= cols.length; n++) {
    const pick = cols.slice(0, n);
    const keys = rows.map((r) => rowKey(r, pick));
    if (new Set(keys).size === keys.length) return pick;
  }
  return cols;
}

export function rowKey(row: BenchRow, cols: string[]): string {
  return JSON.stringify(cols.map((c) => row[c] ?? null));
}

/** A previous run as written to `bench-results/<section>.json` (only the fields the comparison reads). */
export interface SectionJson {
  section: string;
  quick?: boolean;
  rows: BenchRow[];
  machine?: { date?: string };
}

export interface RowChange {
  /** Signed relative change of the compared column, (cur - prev) / prev, or null when there is nothing to compare. */
  change: number | null;
  column?: string;
  /** Moved the wrong way beyond the noise margin. */
  regressed: boolean;
  /** Moved the right way beyond the noise margin. */
  improved: boolean;
  /** The row had `met: true` before and `met: false` now. */
  targetLost: boolean;
  /** The text of the `Δ prev` cell. */
  cell: string;
}

export interface Comparison {
  rows: RowChange[];
  regressions: number;
  /** Why nothing was compared (no previous run, quick vs full), if so. */
  skipped?: string;
}

/**
 * Compares the current rows with the previous run's (pure). Rows match on the key columns; each row is compared
 * on the first `compare` column numeric in both; `noise` is the relative margin (0.1 = 10 %) inside which a
 * change is printed but not marked. Runs of different size (`quick` vs full) are not compared.
 */
export function compareWithPrevious(current: { rows: BenchRow[]; quick?: boolean; key?: string[]; compare?: BenchCompare[] }, previous: SectionJson | undefined, noise = 0.1): Comparison {
  const none = (cell: string): RowChange => ({ change: null, regressed: false, improved: false, targetLost: false, cell });
  if (!previous || !Array.isArray(previous.rows)) return { rows: current.rows.map(() => none('')), regressions: 0, skipped: 'no previous run' };
  if ((previous.quick ?? false) !== (current.quick ?? false)) return { rows: current.rows.map(() => none('')), regressions: 0, skipped: 'previous run was ' + (previous.quick ? 'quick' : 'full') };
  const keys = keyColumns(current.rows, current.key);
  const compare = current.compare ?? defaultCompare(current.rows);
  const prevByKey = new Map<string, BenchRow>();
  for (const r of previous.rows) if (!prevByKey.has(rowKey(r, keys))) prevByKey.set(rowKey(r, keys), r);
  let regressions = 0;
  const rows = current.rows.map((cur): RowChange => {
    const prev = prevByKey.get(rowKey(cur, keys));
    if (!prev) return none('new');
    const targetLost = prev['met'] === true && cur['met'] === false;
    const cmp = compare.find((c) => typeof cur[c.column] === 'number' && typeof prev[c.column] === 'number' && Number.isFinite(prev[c.column]) && Number.isFinite(cur[c.column]));
    if (!cmp) {
      if (targetLost) regressions++;
      return { ...none(targetLost ? '✗ target lost' : ''), targetLost };
    }
    const p = prev[cmp.column] as number;
    const c = cur[cmp.column] as number;
    const change = p === 0 ? (c === 0 ? 0 : Math.sign(c) * Infinity) : (c - p) / Math.abs(p);
    const worse = cmp.better === 'lower' ? change > noise : change < -noise;
    const better = cmp.better === 'lower' ? change < -noise : change > noise;
    if (worse || targetLost) regressions++;
    const pct = Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%` : change > 0 ? '+∞' : '-∞';
    const mark = worse ? (cmp.better === 'lower' ? ' ▲ slower' : ' ▼ worse') : better ? (cmp.better === 'lower' ? ' faster' : ' better') : '';
    return { change, column: cmp.column, regressed: worse, improved: better, targetLost, cell: `${pct}${mark}${targetLost ? ', ✗ target lost' : ''}` };
  });
  return { rows, regressions };
}

/** The rows with the `Δ prev` cell added (only when there was a previous run to compare with). */
export function withChanges(rows: BenchRow[], cmp: Comparison): BenchRow[] {
  if (cmp.skipped) return rows;
  return rows.map((r, i) => ({ ...r, [CHANGE_COLUMN]: cmp.rows[i]?.cell ?? '' }));
}

/** Reads a previous section JSON, or undefined when absent or unreadable. */
export function readPrevious(file: string): SectionJson | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SectionJson;
  } catch {
    return undefined;
  }
}

/**
 * Prints a section with its regression column against `bench-results/<file>.json` (read before it is
 * overwritten) and returns the comparison; the runners (`bench/run.ts`, `bench/swarm/run.ts`) share it.
 */
export function reportSection(section: BenchSection & { quick?: boolean }, previousFile: string, log: (line: string) => void, noise = 0.1): Comparison {
  const previous = readPrevious(previousFile);
  const cmp = compareWithPrevious(section, previous, noise);
  log(`\n## ${section.name}\n${formatTable(withChanges(section.rows, cmp))}`);
  if (cmp.skipped) log(`  (Δ prev: ${cmp.skipped})`);
  else {
    const col = (section.compare ?? defaultCompare(section.rows)).map((c) => `${c.column} (${c.better} is better)`).join(', ');
    log(`  Δ prev: vs ${previous?.machine?.date ?? 'previous run'} on ${col || 'no numeric column'}; marked beyond ±${Math.round(noise * 100)}% noise; ${cmp.regressions} regression(s)`);
  }
  return cmp;
}
