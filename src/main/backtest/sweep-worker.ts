/**
 * Entry of a sweep worker process (forked by runSweepParallel with `--import tsx`): receives batches of
 * SweepJob over IPC, runs them with the same engine and code as the CLI, and sends back SweepResult.
 * Plain JSON in and out; holds nothing but read-only caches. Never writes files.
 */
import { getEngine } from '../engine';
import { loadBacktestBars } from './data';
import { SweepRunner } from './sweep';
import type { SweepJob } from '../../shared/contract/backtest';

const runner = new SweepRunner(getEngine(), loadBacktestBars);

process.on('message', (msg: { type: 'jobs'; jobs: SweepJob[] }) => {
  if (msg.type !== 'jobs') return;
  for (const job of msg.jobs) {
    const result = runner.run(job);
    process.send?.({ type: 'result', result });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
