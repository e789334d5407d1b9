/**
 * The pattern memory's capability for the app host: records searches as experiences, ranks a query's past
 * experiences, judges outcomes as data arrives (`settleDue`), and serves the Learning view (experiences with
 * verdicts, trajectories). The memory is opened on first use with the given KeyProvider (the Electron entry
 * passes one backed by safeStorage; headless, the default env var or key file).
 * Must never: import Electron, or judge an experience before its whole horizon is in the data.
 */
import { WarpdeskError } from '../../shared/errors';
import type { Bars, Timeframe } from '../../shared/market';
import type { DataStore } from '../data/store';
import type { Capability } from '../platform/capability';
import { openMemory, type KeyProvider, type Memory, type OutcomeInput, type RetrievedItem, type Signal, type ThresholdInfo } from '.';

export interface MemoryCapabilityOptions {
  dataDir: string;
  data: DataStore;
  keyProvider?: KeyProvider;
  agentId?: string;
  /** Sends `memory:changed` (the host's emit). */
  emit?: (event: 'memory:changed', payload: { experiences: number; verdicts: number }) => void;
}

/** The pattern type app searches learn under. */
export function searchPatternType(timeframe: string): string {
  return `analog:${timeframe}`;
}

/** Signal and confidence from the analogs: the sign of their mean forward return, and the share agreeing. */
export function signalFromMatches(forwardReturns: Array<number | null>): { signal: Signal; confidence: number; expectedMove: number | null } {
  const f = forwardReturns.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (f.length === 0) return { signal: 'flat', confidence: 0.5, expectedMove: null };
  const mean = f.reduce((s, x) => s + x, 0) / f.length;
  if (mean === 0) return { signal: 'flat', confidence: 0.5, expectedMove: 0 };
  const signal: Signal = mean > 0 ? 'long' : 'short';
  const agree = f.filter((x) => (signal === 'long' ? x > 0 : x < 0)).length / f.length;
  return { signal, confidence: agree, expectedMove: mean };
}

/**
 * The realized outcome of a decision at bar `end` over `horizon` bars, or null while the data ends first.
 * realized return = close[end + H] / close[end] - 1; MAE = the worst move against the signal (lows for
 * long, highs for short, both for flat) relative to close[end]; time to target = first bar whose favourable
 * extreme reaches |target| (null without a target or if never).
 */
export function outcomeFromBars(bars: Bars, end: number, horizon: number, signal: Signal, target: number | null): OutcomeInput | null {
  const n = bars.time.length;
  if (end < 0 || end + horizon >= n) return null;
  const c0 = bars.close[end]!;
  if (!(c0 > 0)) return null;
  let worstLow = Infinity;
  let worstHigh = -Infinity;
  let timeToTarget: number | null = null;
  const t = target === null ? 0 : Math.abs(target);
  for (let k = 1; k <= horizon; k++) {
    const lo = bars.low[end + k]!;
    const hi = bars.high[end + k]!;
    if (lo < worstLow) worstLow = lo;
    if (hi > worstHigh) worstHigh = hi;
    if (timeToTarget === null && t > 1e-9 && signal !== 'flat') {
      const favourable = signal === 'long' ? hi / c0 - 1 : 1 - lo / c0;
      if (favourable >= t) timeToTarget = k;
    }
  }
  const down = Math.max(0, 1 - worstLow / c0);
  const up = Math.max(0, worstHigh / c0 - 1);
  const mae = signal === 'long' ? down : signal === 'short' ? up : Math.max(down, up);
  return { realizedReturn: bars.close[end + horizon]! / c0 - 1, mae, timeToTarget };
}

function lowerBound(time: Float64Array, x: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Judges every local experience of the app's searches whose horizon has passed in the stored data. */
export function settleDue(memory: Memory, data: DataStore, datasetId?: number): { settled: number; pending: number } {
  const dataset = datasetId === undefined ? undefined : data.get(datasetId).name;
  const cache = new Map<string, Bars>();
  let settled = 0;
  let pending = 0;
  for (const id of memory.pending({ dataset })) {
    const e = memory.getExperience(id);
    const dsId = e.context['datasetId'];
    const endTime = e.context['queryEndTime'];
    if (typeof dsId !== 'number' || typeof endTime !== 'number') continue; // not an app search
    let bars = cache.get(`${dsId}:${e.timeframe}`);
    if (!bars) {
      try {
        bars = data.bars(dsId, e.timeframe as Timeframe);
      } catch {
        continue; // the data set is gone
      }
      cache.set(`${dsId}:${e.timeframe}`, bars);
    }
    const end = lowerBound(bars.time, endTime);
    if (bars.time[end] !== endTime) continue;
    const target = typeof e.context['expectedMove'] === 'number' ? e.context['expectedMove'] : null;
    const outcome = outcomeFromBars(bars, end, e.horizon, e.signal, target);
    if (!outcome) {
      pending++;
      continue;
    }
    memory.settle(id, outcome);
    settled++;
  }
  return { settled, pending };
}

function thresholdSummary(t: ThresholdInfo) {
  return { patternType: t.patternType, version: t.version, similarityThreshold: t.similarityThreshold, successRate: t.successRate, calibrationError: t.calibrationError, updatedAt: t.updatedAt };
}

function ranked(items: RetrievedItem[]) {
  return items.map(({ source: _s, members: _m, stats: _st, distance: _d, ...rest }) => rest);
}

/** The capability plus lazy access to the opened memory (for other capabilities, e.g. the swarm's sink). */
export function memoryCapability(options: MemoryCapabilityOptions): Capability & { memory(): Promise<Memory> } {
  let opening: Promise<Memory> | undefined;
  const memory = (): Promise<Memory> => {
    opening ??= openMemory({ dataDir: options.dataDir, keyProvider: options.keyProvider, agentId: options.agentId }).catch((err: unknown) => {
      opening = undefined; // let a later call retry (e.g. after the key is fixed)
      throw err;
    });
    return opening;
  };
  const query = (req: { datasetId: number; timeframe: Timeframe; queryStart: number; queryEnd: number }): { bars: Bars; values: Float64Array } => {
    const bars = options.data.bars(req.datasetId, req.timeframe);
    if (req.queryEnd >= bars.time.length)
      throw new WarpdeskError('InvalidDimensions', `The query ends at bar ${req.queryEnd}, but the data set has ${bars.time.length} bars at ${req.timeframe}.`);
    return { bars, values: bars.close.slice(req.queryStart, req.queryEnd + 1) };
  };
  const changed = (m: Memory): void => {
    const s = m.stats();
    options.emit?.('memory:changed', { experiences: s.experiences, verdicts: s.verdicts });
  };
  return {
    name: 'memory',
    memory,
    handlers: {
      'memory:record-search': async (req) => {
        const m = await memory();
        const { bars, values } = query(req);
        const info = options.data.get(req.datasetId);
        const derived = signalFromMatches(req.matches.map((x) => x.forwardReturn));
        const signal = req.signal ?? derived.signal;
        const confidence = req.confidence ?? derived.confidence;
        const patternType = searchPatternType(req.timeframe);
        const at = bars.time[req.queryEnd]!;
        const exp = m.recordExperience({
          patternType,
          dataset: info.name,
          timeframe: req.timeframe,
          query: values,
          matches: req.matches.map((x) => ({ similarity: Math.min(1, Math.max(0, x.similarity)), distance: x.distance, start: x.start, end: x.end, startTime: x.startTime, endTime: x.endTime, forwardReturn: x.forwardReturn })),
          signal,
          confidence,
          horizon: req.horizon,
          at,
          context: {
            datasetId: req.datasetId,
            queryStart: req.queryStart,
            queryEnd: req.queryEnd,
            queryStartTime: bars.time[req.queryStart]!,
            queryEndTime: at,
            windowRatio: req.windowRatio,
            expectedMove: derived.expectedMove,
            requestId: req.requestId ?? null,
          },
        });
        const { settled } = settleDue(m, options.data, req.datasetId);
        const past = m.retrieve({ query: values, k: 10, patternType, windowRatio: req.windowRatio, excludeIds: [exp.id] });
        changed(m);
        return {
          experienceId: exp.id,
          patternType,
          signal,
          confidence,
          calibrated: m.calibrate(patternType, confidence),
          threshold: thresholdSummary(m.threshold(patternType)),
          past: ranked(past.items),
          settled,
        };
      },
      'memory:retrieve': async (req) => {
        const m = await memory();
        const { values } = query(req);
        const r = m.retrieve({ query: values, k: req.k, windowRatio: req.windowRatio, lambda: req.lambda, patternType: req.patternType });
        return { items: ranked(r.items), elapsedMs: r.stats.elapsedMs, exactDtw: r.stats.dtwComputed, rows: r.stats.rows };
      },
      'memory:experiences': async (req) => ({ items: (await memory()).listExperiences({ patternType: req.patternType, limit: req.limit, before: req.before }) }),
      'memory:trajectory': async (req) => {
        const m = await memory();
        const types = req.patternType ? [req.patternType] : m.stats().patternTypes;
        return {
          series: types.map((t) => ({
            threshold: thresholdSummary(m.threshold(t)),
            points: m.trajectory(t, { limit: req.limit }).map(({ patternType: _p, ...p }) => p),
          })),
        };
      },
      'memory:settle-due': async (req) => {
        const m = await memory();
        const r = settleDue(m, options.data, req.datasetId);
        if (r.settled > 0) changed(m);
        return r;
      },
      'memory:stats': async (req) => {
        const m = await memory();
        const s = m.stats();
        const chain = req.verify ? m.verifyChain() : null;
        return {
          experiences: s.experiences,
          verdicts: s.verdicts,
          distilled: s.distilled,
          patternTypes: s.patternTypes,
          chainLength: s.chainLength,
          chain: chain ? { ok: chain.ok, links: chain.links, message: chain.broken?.message ?? null } : null,
        };
      },
    },
    async close() {
      const m = await opening?.catch(() => undefined);
      m?.close();
    },
  };
}
