/**
 * Entry of a backtest worker process (compiled to out/main/sweep-worker.js; this file with tsx under vitest:
 * see worker-entry.ts): receives batches of SweepJob over IPC
 * (runSweepParallel) or a decision range of one search pass (computeForecastsInWorkers), runs them with the
 * same engine and code as the CLI, and sends back plain results.
 * Plain JSON in and out; holds nothing but read-only caches. Never writes files.
 */
import { getEngine } from '../engine';
import { loadBacktestBars } from './data';
import { SweepRunner } from './sweep';
import { computeForecasts } from './forecast';
import type { BacktestParams, SweepJob } from '../../shared/contract/backtest';
import type { Bars } from '../../shared/market';

const runner = new SweepRunner(getEngine(), loadBacktestBars);

type Message = { type: 'jobs'; jobs: SweepJob[] } | { type: 'forecast'; bars: Bars; params: BacktestParams; from: number; to: number };

process.on('message', (msg: Message) => {
  if (msg.type === 'forecast') {
    try {
      const t = computeForecasts(msg.bars, msg.params, getEngine(), { range: { from: msg.from, to: msg.to } });
      const k = t.k;
      process.send?.({
        type: 'forecast',
        chunk: {
          from: msg.from,
          to: msg.to,
          matchEnd: t.matchEnd.slice(msg.from * k, msg.to * k),
          distance: t.distance.slice(msg.from * k, msg.to * k),
          forward: t.forward.slice(msg.from * k, msg.to * k),
          candidates: t.candidates,
          backend: t.backend,
          rssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
          cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
        },
      });
    } catch (err) {
      process.send?.({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  if (msg.type !== 'jobs') return;
  for (const job of msg.jobs) {
    const result = runner.run(job);
    process.send?.({ type: 'result', result });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
