/**
 * The expensive half of a walk-forward backtest: at each decision bar t, search the engine for the top-k
 * analogs of the last W bars in history whose outcome was already known, and record what followed them.
 * The result (a ForecastTable) is independent of thresholds, sizing, costs and learning, so one table
 * serves a whole threshold grid.
 *
 * No look-ahead, by construction: the query is bars t-W+1..t (known at t's close) and the searched
 * series ends at the bar e_max with e_max + H < t, so every analog's H-bar outcome closed before t.
 * Must never read any bar after t while deciding at t, and never import Electron.
 */
import type { Bars } from '../../shared/market';
import type { BacktestParams } from '../../shared/contract/backtest';
import { WarpdeskError } from '../../shared/errors';
import type { PatternEngine, SearchMatch, SearchWalk, WalkMatches } from '../engine';
import { AnalogIndex } from './analog-index';
import { analogExclusion, analogRange, analogsFromMatches, candidatesAt, decisionBars, defaultMinHistory, representationOffset, representationSeries } from '../strategy';

export interface ForecastTable {
  barCount: number;
  k: number;
  /** Bar index of each decision, ascending. */
  decisions: Int32Array;
  /** decisions.length * k: end bar of each analog (-1 when fewer than k were found). */
  matchEnd: Int32Array;
  distance: Float64Array;
  /** Simple return close[e+H]/close[e] - 1 of each analog (NaN when absent). */
  forward: Float64Array;
  /** Candidate windows examined over the whole run (work measure). */
  candidates: number;
  backend: string;
  /** When the pass ran in worker processes: their largest peak RSS in MiB. */
  workerPeakRssMiB?: number;
  /** When the pass ran in worker processes: their CPU time in ms (all of them, startup included). */
  workerCpuMs?: number;
}

export interface ForecastPlan {
  /** Representation series searched by the engine; x[j] belongs to bar j + offset. */
  x: Float64Array;
  offset: number;
  decisions: Int32Array;
  /** Candidate windows per decision (for progress weighting). */
  work: Float64Array;
  totalWork: number;
  band: number;
  exclusion: number;
}

export interface ProgressOptions {
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Validates prices: a backtest needs finite, positive closes. */
export function checkBars(bars: Bars): void {
  const n = bars.close.length;
  for (let i = 0; i < n; i++) {
    const c = bars.close[i]!;
    if (!(Number.isFinite(c) && c > 0)) {
      throw new WarpdeskError('NonFinite', `Bar ${i} has a close of ${c}; a backtest needs finite, positive prices.`, { index: i });
    }
  }
}

export { defaultMinHistory };

/** Works out the representation, the decision bars and the work per decision (the strategy's rule). Cheap. */
export function planForecasts(bars: Bars, p: BacktestParams): ForecastPlan {
  checkBars(bars);
  const W = p.window;
  const x = representationSeries(bars.close, p);
  const offset = representationOffset(p);
  const decisions = decisionBars(bars.close.length, p);
  const work = new Float64Array(decisions.length);
  let totalWork = 0;
  for (let d = 0; d < decisions.length; d++) {
    const w = candidatesAt(decisions[d]!, p);
    work[d] = w;
    totalWork += w;
  }
  return {
    x: x === bars.close ? Float64Array.from(x) : x,
    offset,
    decisions,
    work,
    totalWork,
    band: Math.ceil(p.bandRatio * W),
    exclusion: analogExclusion(p),
  };
}

function emptyTable(n: number, k: number, decisions: Int32Array, backend: string): ForecastTable {
  const m = decisions.length * k;
  return {
    barCount: n,
    k,
    decisions,
    matchEnd: new Int32Array(m).fill(-1),
    distance: new Float64Array(m).fill(Number.NaN),
    forward: new Float64Array(m).fill(Number.NaN),
    candidates: 0,
    backend,
  };
}

/**
 * Generator form: performs one decision's search per `next()`; lets sync and async drivers share code.
 * Yields the fraction of work done.
 */
export function* forecastSteps(bars: Bars, p: BacktestParams, engine: PatternEngine, out: { table?: ForecastTable }, range?: { from: number; to: number }): Generator<number, ForecastTable> {
  const plan = planForecasts(bars, p);
  const close = bars.close;
  const W = p.window;
  const k = p.top;
  const table = emptyTable(close.length, k, plan.decisions, engine.backend);
  out.table = table;
  const { x, decisions } = plan;
  const index = resolveSearch(p, engine) === 'indexed' ? new AnalogIndex(x, W, plan.band, plan.exclusion, engine) : null;
  let done = 0;
  const dFrom = range ? Math.max(0, range.from) : 0;
  const dTo = range ? Math.min(decisions.length, range.to) : decisions.length;
  let rangeWork = 0;
  for (let d = dFrom; d < dTo; d++) rangeWork += plan.work[d]!;
  if (!index) {
    // the engine path: the walk's searches a slice at a time (one engine call per ~SLICE_WORK windows)
    for (let d = dFrom; d < dTo;) {
      let e = d;
      let w = 0;
      while (e < dTo && (e === d || w + plan.work[e]! <= SLICE_WORK)) w += plan.work[e++]!;
      const res = engine.searchWalk(x, walkOf(plan, p, d, e), { window: plan.band, k, znormalize: true, exclusionZone: plan.exclusion });
      storeWalk(table, d, e, res, bars, p);
      table.candidates += w;
      done += w;
      d = e;
      yield rangeWork > 0 ? done / rangeWork : (d - dFrom) / Math.max(1, dTo - dFrom);
    }
    return table;
  }
  for (let d = dFrom; d < dTo; d++) {
    const t = decisions[d]!;
    const { lo, L, qs } = analogRange(t, p);
    if (L - lo >= W) {
      storeMatches(table, d, index.search(qs, lo, L - W, k, p.step), 0, t, bars, p);
      table.candidates += plan.work[d]!;
    }
    done += plan.work[d]!;
    yield rangeWork > 0 ? done / rangeWork : (d - dFrom + 1) / Math.max(1, dTo - dFrom);
  }
  return table;
}

/**
 * Candidate windows per engine call in the synchronous engine path (~40-80 ms of search): small enough for
 * the yielding driver to stay responsive, large enough that the walk's seeding (each decision starts from the
 * previous one's best candidates; a call's first decision has none) pays.
 */
export const SLICE_WORK = 2_000_000;

/** The engine searches of decisions [from, to): query, range and length per decision (representation indices). */
export function walkOf(plan: ForecastPlan, p: BacktestParams, from: number, to: number): SearchWalk {
  const n = Math.max(0, to - from);
  const walk: SearchWalk = { queryStart: new Int32Array(n), from: new Int32Array(n), to: new Int32Array(n), length: p.window };
  for (let i = 0; i < n; i++) {
    const { lo, L, qs } = analogRange(plan.decisions[from + i]!, p);
    walk.queryStart[i] = qs;
    walk.from[i] = lo;
    walk.to[i] = Math.max(lo, L);
  }
  return walk;
}

/** Fills decisions [from, to) of the table from a walk's answer (absolute starts). */
function storeWalk(table: ForecastTable, from: number, to: number, res: WalkMatches, bars: Bars, p: BacktestParams): void {
  const k = p.top;
  for (let d = from; d < to; d++) {
    const t = table.decisions[d]!;
    const { lo } = analogRange(t, p);
    const matches: SearchMatch[] = [];
    for (let j = 0; j < k; j++) {
      const at = res.index[(d - from) * k + j]!;
      if (at < 0) break;
      matches.push({ index: at - lo, distance: res.distance[(d - from) * k + j]! });
    }
    if (matches.length > 0) storeMatches(table, d, matches, lo, t, bars, p);
  }
}

/**
 * The rows of a table the search is still filling: decisions [0, ready()) are final. next() (one waiter at a
 * time) resolves when more are ready or the search ended; after the end it settles like `done`.
 */
export interface ForecastStream {
  table: ForecastTable;
  ready(): number;
  next(): Promise<void>;
  /** Resolves with the whole table (rejects with the search's error). */
  done: Promise<ForecastTable>;
}

/**
 * The engine path's search pass as a sequence of off-thread walk jobs over contiguous decision ranges of about
 * equal work, so a consumer (learn's loop) can walk the finished rows while the engine searches the next ones.
 * Same table as computeForecastsWalk (each range's first decision starts without seeds; answers are exact).
 */
export function streamForecastsWalk(bars: Bars, p: BacktestParams, engine: PatternEngine, opts: ProgressOptions & { pieces?: number } = {}): ForecastStream {
  const plan = planForecasts(bars, p);
  const table = emptyTable(bars.close.length, p.top, plan.decisions, engine.backend);
  const D = plan.decisions.length;
  const cuts = [0];
  const pieces = Math.max(1, Math.min(D, opts.pieces ?? 16));
  for (let d = 0, acc = 0; d < D; d++) {
    acc += plan.work[d]! + 1;
    if (acc >= ((plan.totalWork + D) * cuts.length) / pieces && cuts.length < pieces && d + 1 < D) cuts.push(d + 1);
  }
  cuts.push(D);
  let ready = 0;
  let doneWork = 0;
  let finished = false;
  let wake: (() => void) | undefined; // the one consumer waiting in next()
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const done = (async (): Promise<ForecastTable> => {
    try {
      for (let i = 0; i + 1 < cuts.length; i++) {
        const [a, b] = [cuts[i]!, cuts[i + 1]!];
        let pieceWork = 0;
        for (let d = a; d < b; d++) pieceWork += plan.work[d]!;
        const res = await engine.searchWalkAsync(plan.x, walkOf(plan, p, a, b), {
          window: plan.band,
          k: p.top,
          znormalize: true,
          exclusionZone: plan.exclusion,
          signal: opts.signal,
          onProgress: (f) => opts.onProgress?.(plan.totalWork > 0 ? (doneWork + f * pieceWork) / plan.totalWork : 1),
        });
        storeWalk(table, a, b, res, bars, p);
        table.candidates += pieceWork;
        doneWork += pieceWork;
        ready = b;
        notify();
      }
      opts.onProgress?.(1);
      return table;
    } finally {
      finished = true;
      notify();
    }
  })();
  done.catch(() => undefined);
  return {
    table,
    ready: () => ready,
    next: () => (finished ? done.then(() => undefined) : new Promise<void>((resolve) => (wake = resolve))),
    done,
  };
}

/**
 * The engine path's whole search pass as one off-thread engine job (searchWalkAsync: native threads share the
 * decisions; the JS thread stays free). Same table as the sequential pass; memory O(decisions x k).
 */
export async function computeForecastsWalk(bars: Bars, p: BacktestParams, engine: PatternEngine, opts: ProgressOptions = {}): Promise<ForecastTable> {
  const plan = planForecasts(bars, p);
  const table = emptyTable(bars.close.length, p.top, plan.decisions, engine.backend);
  const D = plan.decisions.length;
  if (D === 0) return table;
  const res = await engine.searchWalkAsync(plan.x, walkOf(plan, p, 0, D), { window: plan.band, k: p.top, znormalize: true, exclusionZone: plan.exclusion, onProgress: opts.onProgress, signal: opts.signal });
  storeWalk(table, 0, D, res, bars, p);
  table.candidates = plan.totalWork;
  opts.onProgress?.(1);
  return table;
}

/** Which search path a run uses ('auto': the engine's own search when native, else the indexed one). */
export function resolveSearch(p: Pick<BacktestParams, 'search'>, engine: PatternEngine): 'indexed' | 'engine' {
  if (p.search === 'auto') return engine.backend === 'native' ? 'engine' : 'indexed';
  return p.search;
}

/** Fills decision d of the table from the engine's matches (indices relative to x[lo..]); the strategy checks the rule. */
function storeMatches(table: ForecastTable, d: number, matches: SearchMatch[], lo: number, t: number, bars: Bars, p: BacktestParams): void {
  const analogs = analogsFromMatches(bars.close, t, matches, lo, p);
  const base = d * table.k;
  for (let j = 0; j < analogs.length; j++) {
    const a = analogs[j]!;
    table.matchEnd[base + j] = a.end;
    table.distance[base + j] = a.distance;
    table.forward[base + j] = a.forwardReturn;
  }
}

/**
 * The engine path with several off-thread searches in flight (searchTopKAsync): decisions are independent
 * given the data, so the table is identical to the sequential one. Used by async runs when the path is
 * 'engine'.
 */
export async function computeForecastsParallel(bars: Bars, p: BacktestParams, engine: PatternEngine, opts: ProgressOptions & { concurrency?: number } = {}): Promise<ForecastTable> {
  const plan = planForecasts(bars, p);
  const n = bars.close.length;
  const table = emptyTable(n, p.top, plan.decisions, engine.backend);
  const { x, decisions } = plan;
  const W = p.window;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  let next = 0;
  let doneWork = 0;
  let lastReport = -1;
  const worker = async (): Promise<void> => {
    while (next < decisions.length) {
      if (opts.signal?.aborted) throw new WarpdeskError('Cancelled', 'The backtest was cancelled.');
      const d = next++;
      const t = decisions[d]!;
      const { lo, L, qs } = analogRange(t, p);
      if (L - lo >= W) {
        const matches = await engine.searchTopKAsync(x.subarray(lo, L), x.subarray(qs, qs + W), { window: plan.band, k: p.top, znormalize: true, exclusionZone: plan.exclusion, signal: opts.signal });
        storeMatches(table, d, matches, lo, t, bars, p);
        table.candidates += plan.work[d]!;
      }
      doneWork += plan.work[d]!;
      const f = plan.totalWork > 0 ? doneWork / plan.totalWork : 1;
      if (opts.onProgress && f - lastReport >= 0.002) {
        lastReport = f;
        opts.onProgress(f);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  opts.onProgress?.(1);
  return table;
}

/**
 * Advances the search pass by one decision: checks cancellation, reports progress (at most every 0.2%), and
 * returns the table when the pass is done. Shared by the synchronous and the yielding drivers below.
 */
function advance(gen: Generator<number, ForecastTable>, opts: ProgressOptions, progress: { last: number }): ForecastTable | undefined {
  if (opts.signal?.aborted) throw new WarpdeskError('Cancelled', 'The backtest was cancelled.');
  const r = gen.next();
  if (r.done) {
    opts.onProgress?.(1);
    return r.value;
  }
  if (opts.onProgress && r.value - progress.last >= 0.002) {
    progress.last = r.value;
    opts.onProgress(r.value);
  }
  return undefined;
}

/** Runs the whole search pass (or decisions [range.from, range.to)) synchronously (CLI, workers, benchmarks). */
export function computeForecasts(bars: Bars, p: BacktestParams, engine: PatternEngine, opts: ProgressOptions & { range?: { from: number; to: number } } = {}): ForecastTable {
  const gen = forecastSteps(bars, p, engine, {}, opts.range);
  const progress = { last: -1 };
  for (;;) {
    const table = advance(gen, opts, progress);
    if (table) return table;
  }
}

/** Same answer as computeForecasts, yielding to the event loop every ~30 ms (app host: stays responsive). */
export async function computeForecastsAsync(bars: Bars, p: BacktestParams, engine: PatternEngine, opts: ProgressOptions = {}): Promise<ForecastTable> {
  const gen = forecastSteps(bars, p, engine, {});
  const progress = { last: -1 };
  let slice = Date.now();
  for (;;) {
    const table = advance(gen, opts, progress);
    if (table) return table;
    if (Date.now() - slice > 30) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = Date.now();
    }
  }
}
