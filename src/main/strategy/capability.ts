/**
 * The strategy capability for the app host: `analogs:run` (the one main-side call: analogs → forecast → gated
 * decision → experience recorded, judged at once when its horizon is in the data), `analogs:cancel`, and
 * `memory:settle-due` (judge what the stored data allows). The renderer only displays what comes back.
 * Must never import Electron, or trust a computed value the renderer sends.
 */
import { WarpdeskError } from '../../shared/errors';
import type { Bars, Timeframe } from '../../shared/market';
import type { DataStore } from '../data';
import { getEngine } from '../engine';
import { rankedSummaries, thresholdSummary, type Experience, type Memory } from '../memory';
import type { Capability } from '../platform/capability';
import { analogExclusion } from './analogs';
import { decideLive } from './live';
import { patternTypeFor, parseStrategyParams } from './params';
import { settlePending } from './settle';

export interface StrategyCapabilityOptions {
  data: DataStore;
  /** The workspace memory (opened on first use by the memory capability). */
  memory: () => Promise<Memory>;
  /** Called for every experience judged here (e.g. the swarm shares it). */
  onJudged?: (memory: Memory, experienceId: string) => void;
  /** Sends `memory:changed`. */
  emit?: (event: 'memory:changed', payload: { experiences: number; verdicts: number }) => void;
}

/** Bars of a stored experience's data set (null when it did not come from this workspace's data sets or is gone). */
function storedBars(data: DataStore, cache: Map<string, Bars | null>, e: Experience): Bars | null {
  const id = e.context['datasetId'];
  if (typeof id !== 'number') return null;
  const key = `${id}:${e.timeframe}`;
  if (!cache.has(key)) {
    let bars: Bars | null = null;
    try {
      bars = data.bars(id, e.timeframe as Timeframe);
    } catch {
      bars = null; // the data set is gone
    }
    cache.set(key, bars);
  }
  return cache.get(key)!;
}

/** Closes after bar `end`, relative to its close, over at most `horizon` bars (the contract's AnalogSchema.path). */
function forwardPath(close: Float64Array | number[], end: number, horizon: number): number[] {
  const base = close[end]!;
  const out: number[] = [];
  for (let j = 1; j <= horizon && end + j < close.length; j++) out.push(close[end + j]! / base - 1);
  return out;
}

export function strategyCapability(options: StrategyCapabilityOptions): Capability {
  const running = new Map<string, AbortController>();
  const changed = (m: Memory): void => {
    const s = m.stats();
    options.emit?.('memory:changed', { experiences: s.experiences, verdicts: s.verdicts });
  };
  return {
    name: 'strategy',
    handlers: {
      'analogs:run': async (req, ctx) => {
        if (running.has(req.requestId)) throw new WarpdeskError('Conflict', `A search with id ${req.requestId} is already running.`);
        const bars = options.data.bars(req.datasetId, req.timeframe);
        const n = bars.close.length;
        if (req.queryEnd >= n) throw new WarpdeskError('InvalidInput', `The query ends at bar ${req.queryEnd}, but the data set has ${n} bars at ${req.timeframe}.`);
        const info = options.data.get(req.datasetId);
        const W = req.queryEnd - req.queryStart + 1;
        const params = parseStrategyParams({ window: W, top: req.k, horizon: req.horizon, bandRatio: req.windowRatio, exclusionZone: req.exclusion, representation: 'price', learning: true });
        const m = await options.memory();
        const controller = new AbortController();
        running.set(req.requestId, controller);
        const cache = new Map<string, Bars | null>();
        let lastSent = -1;
        const t0 = performance.now();
        try {
          const patternType = patternTypeFor(req.timeframe);
          const engine = getEngine();
          const live = await decideLive({
            engine,
            memory: m,
            bars,
            t: req.queryEnd,
            params,
            patternType,
            dataset: info.name,
            timeframe: req.timeframe,
            barsFor: (e) => storedBars(options.data, cache, e),
            context: { datasetId: req.datasetId, queryStart: req.queryStart, queryEnd: req.queryEnd, windowRatio: req.windowRatio, requestId: req.requestId },
            record: req.record,
            onJudged: (id) => options.onJudged?.(m, id),
            async: {
              signal: controller.signal,
              onProgress: (fraction) => {
                if (fraction - lastSent >= 0.01 || fraction === 1) {
                  lastSent = fraction;
                  ctx.emit('analogs:progress', { requestId: req.requestId, fraction: Math.min(1, Math.max(0, fraction)) });
                }
              },
            },
          });
          const d = live.decision;
          const query = bars.close.subarray(req.queryStart, req.queryEnd + 1);
          const past = m.retrieve({ query, k: 10, patternType, windowRatio: req.windowRatio, excludeIds: d.experienceId ? [d.experienceId] : [] });
          if (d.experienceId || live.settled > 0) changed(m);
          return {
            requestId: req.requestId,
            backend: engine.backend,
            simdLevel: engine.simdLevel(),
            ...(engine.fallbackReason ? { engineNote: engine.fallbackReason } : {}),
            queryLength: W,
            window: Math.ceil(params.bandRatio * W),
            exclusion: analogExclusion(params),
            candidates: live.candidates,
            elapsedMs: performance.now() - t0,
            horizon: params.horizon,
            analogs: d.analogs.map((a) => ({
              start: a.start,
              end: a.end,
              startTime: bars.time[a.start]!,
              endTime: bars.time[a.end]!,
              distance: a.distance,
              similarity: Math.min(1, Math.max(0, a.similarity)),
              forwardReturn: a.forwardReturn,
              admitted: a.similarity >= d.similarityThreshold,
              path: forwardPath(bars.close, a.end, params.horizon),
            })),
            forecast: d.forecast,
            decision: { signal: d.signal, reason: d.reason, confidence: d.confidence, gate: d.gate, similarityThreshold: d.similarityThreshold, size: d.size, time: d.time },
            experience: d.experienceId ? { id: d.experienceId, patternType, calibrated: m.calibrate(patternType, d.confidence), judged: live.judgedAtOnce } : null,
            threshold: thresholdSummary(m.threshold(patternType)),
            past: rankedSummaries(past.items),
            settled: live.settled,
          };
        } finally {
          running.delete(req.requestId);
        }
      },
      'analogs:cancel': (req) => {
        const c = running.get(req.requestId);
        c?.abort();
        return { cancelled: c !== undefined };
      },
      'memory:settle-due': async (req) => {
        const m = await options.memory();
        const cache = new Map<string, Bars | null>();
        const dataset = req.datasetId === undefined ? undefined : options.data.get(req.datasetId).name;
        const r = settlePending(m, (e) => storedBars(options.data, cache, e), { dataset, onJudged: (id) => options.onJudged?.(m, id) });
        if (r.settled > 0) changed(m);
        return r;
      },
    },
    close() {
      for (const c of running.values()) c.abort();
    },
  };
}
