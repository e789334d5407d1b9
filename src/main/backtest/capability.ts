/**
 * The backtest capability behind the contract: runs a walk-forward backtest over a stored data set (with
 * progress events and cancellation), optionally its learning/baseline twin on the same search pass, saves
 * it as a session in `<dataDir>/backtests.sqlite`, lists / reopens / deletes sessions and stores replay
 * state. The search pass runs off the JS thread on the native engine and yields to the event loop
 * otherwise, so the host stays responsive. Never imports Electron.
 */
import type { BacktestParams, BacktestResult, Session, SweepResult } from '../../shared/contract/backtest';
import type { Bars, Timeframe } from '../../shared/market';
import { WarpdeskError } from '../../shared/errors';
import { getEngine } from '../engine';
import type { PatternEngine } from '../engine';
import type { Capability, HandlerContext } from '../platform/capability';
import { thresholdSummary, type Memory } from '../memory';
import type { LoopMemory } from '../strategy';
import { assembleResult, forecastsAsync, parseParams, runStrategy } from './run';
import { learnFromHistory, learnTotals } from './learn';
import { metricsUpTo } from './replay';
import { SessionStore } from './sessions';
import { batchJobs, expandGrid, SweepRunner } from './sweep';

export interface BacktestCapabilityOptions {
  dataDir: string;
  /** Bars of a stored data set at a timeframe (the data capability's store). */
  bars: (datasetId: number, timeframe: Timeframe) => Bars;
  engine?: PatternEngine;
  /** The workspace memory `learn:run` learns into (the memory capability opens it on first use). */
  memory?: () => Promise<LoopMemory & Pick<Memory, 'threshold' | 'stats'>>;
  /** Name of a stored data set (experiences carry it). */
  datasetName?: (datasetId: number) => string;
  /** Called for every experience judged by `learn:run` (e.g. the swarm shares it). */
  onJudged?: (experienceId: string) => void;
  /** Sends `memory:changed` after a learn. */
  emit?: (event: 'memory:changed', payload: { experiences: number; verdicts: number }) => void;
}

/** "US equity (daily) · 1D · 1985-03-01 → 2006-12-29 · W32 k10 H5 baseline": what, at which bars, over which dates. */
function sessionName(dataset: string, timeframe: string, r: BacktestResult, p: BacktestParams): string {
  const day = (ms: number | undefined): string => (ms === undefined ? '?' : new Date(ms).toISOString().slice(0, 10));
  const from = day(r.time[Math.max(0, r.firstDecision)]);
  const to = day(r.time[r.time.length - 1]);
  return `${dataset} · ${timeframe} · ${from} → ${to} · W${p.window} k${p.top} H${p.horizon} ${p.learning ? 'learning' : 'baseline'}`;
}

export function backtestCapability(o: BacktestCapabilityOptions): Capability & { sessions: SessionStore } {
  const sessions = SessionStore.open(o.dataDir);
  const running = new Map<string, AbortController>();
  /** The session `backtest:metricsAt` last read (a replay asks about one session many times). */
  let lastOpened: Session | null = null;
  return {
    name: 'backtest',
    sessions,
    handlers: {
      'backtest:run': async (req, ctx: HandlerContext) => {
        if (running.has(req.requestId)) throw new WarpdeskError('Conflict', `A backtest with id ${req.requestId} is already running.`);
        const ctrl = new AbortController();
        running.set(req.requestId, ctrl);
        try {
          const engine = o.engine ?? getEngine();
          const bars = o.bars(req.datasetId, req.timeframe);
          const params = parseParams(req.params);
          const t0 = Date.now();
          let lastEmit = 0;
          const onProgress = (fraction: number): void => {
            const now = Date.now();
            if (now - lastEmit < 100 && fraction < 1) return;
            lastEmit = now;
            const elapsed = now - t0;
            ctx.emit('backtest:progress', { requestId: req.requestId, fraction, etaMs: fraction > 0.01 ? (elapsed / fraction) * (1 - fraction) : null, phase: 'search' });
          };
          // In-process: the app's search pass stays in this process (cancellable, async on the engine).
          const table = await forecastsAsync(bars, params, engine, { onProgress, signal: ctrl.signal, workers: 0 });
          const main = assembleResult(bars, table, params, runStrategy(bars, table, params), Date.now() - t0, req.timeframe);
          let twin: BacktestResult | null = null;
          if (req.compare) {
            const p2 = { ...params, learning: !params.learning };
            twin = assembleResult(bars, table, p2, runStrategy(bars, table, p2), Date.now() - t0, req.timeframe);
          }
          ctx.emit('backtest:progress', { requestId: req.requestId, fraction: 1, etaMs: 0, phase: 'done' });
          const name = req.name ?? sessionName(o.datasetName?.(req.datasetId) ?? `data set ${req.datasetId}`, req.timeframe, main, params);
          return sessions.save({ name, datasetId: req.datasetId, timeframe: req.timeframe, result: main, compare: twin });
        } finally {
          running.delete(req.requestId);
        }
      },
      'backtest:sweep': async (req, ctx: HandlerContext) => {
        if (running.has(req.requestId)) throw new WarpdeskError('Conflict', `A backtest with id ${req.requestId} is already running.`);
        const ctrl = new AbortController();
        running.set(req.requestId, ctrl);
        try {
          const engine = o.engine ?? getEngine();
          const data = `dataset:${req.datasetId}`;
          const jobs = expandGrid(data, req.timeframe, req.params, req.grid);
          const runner = new SweepRunner(engine, () => o.bars(req.datasetId, req.timeframe));
          const results: SweepResult[] = [];
          const t0 = Date.now();
          for (const batch of batchJobs(jobs)) {
            for (const job of batch) {
              results.push(await runner.runAsync(job, { signal: ctrl.signal }));
              const fraction = results.length / jobs.length;
              const elapsed = Date.now() - t0;
              ctx.emit('backtest:progress', { requestId: req.requestId, fraction, etaMs: (elapsed / fraction) * (1 - fraction), phase: 'sweep' });
            }
          }
          const byId = new Map(results.map((r) => [r.id, r]));
          return { results: jobs.map((j) => byId.get(j.id)!) };
        } finally {
          running.delete(req.requestId);
        }
      },
      'learn:run': async (req, ctx: HandlerContext) => {
        if (!o.memory) throw new WarpdeskError('Unavailable', 'This workspace has no memory to learn into.');
        if (running.has(req.requestId)) throw new WarpdeskError('Conflict', `A run with id ${req.requestId} is already running.`);
        const ctrl = new AbortController();
        running.set(req.requestId, ctrl);
        try {
          const memory = await o.memory();
          const bars = o.bars(req.datasetId, req.timeframe);
          const t0 = Date.now();
          let lastEmit = 0;
          const report = await learnFromHistory(bars, { window: req.window, top: req.top, horizon: req.horizon, step: req.step, exclusionZone: req.exclusion }, o.engine ?? getEngine(), memory, {
            dataset: o.datasetName?.(req.datasetId) ?? `dataset ${req.datasetId}`,
            timeframe: req.timeframe,
            from: req.from,
            to: req.to,
            signal: ctrl.signal,
            workers: 0,
            onJudged: o.onJudged,
            onProgress: (phase, fraction) => {
              const now = Date.now();
              if (now - lastEmit < 100 && fraction < 1) return;
              lastEmit = now;
              ctx.emit('learn:progress', { requestId: req.requestId, phase, fraction: Math.min(1, Math.max(0, fraction)) });
            },
          });
          const stats = memory.stats();
          o.emit?.('memory:changed', { experiences: stats.experiences, verdicts: stats.verdicts });
          return {
            requestId: req.requestId,
            ...learnTotals(report),
            threshold: thresholdSummary(memory.threshold(report.patternType)),
            elapsedMs: Date.now() - t0,
          };
        } finally {
          running.delete(req.requestId);
        }
      },
      'learn:cancel': (req) => {
        const c = running.get(req.requestId);
        c?.abort();
        return { cancelled: c !== undefined };
      },
      'backtest:cancel': (req) => {
        const c = running.get(req.requestId);
        if (!c) return { cancelled: false };
        c.abort();
        return { cancelled: true };
      },
      'backtest:metricsAt': (req) => {
        if (!lastOpened || lastOpened.id !== req.id) lastOpened = sessions.open(req.id);
        const s = lastOpened;
        return { result: metricsUpTo(s.result, req.upto), compare: s.compare ? metricsUpTo(s.compare, req.upto) : null };
      },
      'backtest:sessions': () => sessions.list(),
      'backtest:open': (req) => sessions.open(req.id),
      'backtest:saveView': (req) => ({ saved: sessions.saveView(req.id, req.view) }),
      'backtest:delete': (req) => {
        if (lastOpened?.id === req.id) lastOpened = null;
        return { removed: sessions.remove(req.id) };
      },
    },
    close() {
      for (const c of running.values()) c.abort();
      sessions.close();
    },
  };
}
