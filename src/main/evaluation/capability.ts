/**
 * The evaluation capability behind the contract: `evaluate:run` evaluates stored data sets (progress events
 * with ETA, cancellation by request id) in this process, so the host stays the only process the app needs;
 * `evaluate:cancel` stops it between steps. Never imports Electron.
 */
import type { Bars, Timeframe } from '../../shared/market';
import { WarpdeskError } from '../../shared/errors';
import { getEngine, type PatternEngine } from '../engine';
import type { Capability, HandlerContext } from '../platform/capability';
import { runEvaluation } from './runner';

export interface EvaluationCapabilityOptions {
  bars: (datasetId: number, timeframe: Timeframe) => Bars;
  datasetName?: (datasetId: number) => string;
  engine?: PatternEngine;
}

export function evaluationCapability(o: EvaluationCapabilityOptions): Capability {
  const running = new Map<string, AbortController>();
  return {
    name: 'evaluation',
    handlers: {
      'evaluate:run': async (req, ctx: HandlerContext) => {
        if (running.has(req.requestId)) throw new WarpdeskError('Conflict', `An evaluation with id ${req.requestId} is already running.`);
        const ctrl = new AbortController();
        running.set(req.requestId, ctrl);
        try {
          const series = req.datasets.map((d) => ({ name: o.datasetName?.(d.datasetId) ?? `data set ${d.datasetId}`, bars: o.bars(d.datasetId, d.timeframe), timeframe: d.timeframe }));
          const t0 = Date.now();
          let lastEmit = 0;
          return await runEvaluation(series, {
            engine: o.engine ?? getEngine(),
            settings: req.settings,
            searchWorkers: 0,
            signal: ctrl.signal,
            onProgress: (fraction, phase) => {
              const now = Date.now();
              if (now - lastEmit < 100 && fraction < 1) return;
              lastEmit = now;
              const elapsed = now - t0;
              ctx.emit('evaluate:progress', { requestId: req.requestId, fraction, etaMs: fraction > 0.01 ? (elapsed / fraction) * (1 - fraction) : null, phase });
            },
          });
        } finally {
          running.delete(req.requestId);
        }
      },
      'evaluate:cancel': (req) => {
        const c = running.get(req.requestId);
        c?.abort();
        return { cancelled: c !== undefined };
      },
    },
    close() {
      for (const c of running.values()) c.abort();
    },
  };
}
