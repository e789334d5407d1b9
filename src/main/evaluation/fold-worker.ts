/**
 * Entry of an evaluation worker process (compiled to out/main/fold-worker.js; this file with tsx under vitest,
 * see backtest's workerLaunch): receives fold jobs over IPC, runs them with runFoldJob (the same code as the
 * in-process path) and sends back plain results. Holds nothing between jobs; never writes files except the
 * scratch memories it removes.
 */
import { runFoldJob, type FoldJob } from './fold-run';

process.on('message', (msg: { type: 'fold'; job: FoldJob; id: number }) => {
  if (msg.type !== 'fold') return;
  try {
    process.send?.({ type: 'result', id: msg.id, result: runFoldJob(msg.job) });
  } catch (err) {
    process.send?.({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
