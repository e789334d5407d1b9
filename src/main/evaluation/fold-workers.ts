/**
 * Fold jobs over worker processes (fold-worker.ts): each job is independent (its own scratch memories, its own
 * truncated bars and tables), so results are identical to the sequential run (tested); they are returned in
 * job order. Must never share state between jobs.
 */
import { workerLaunch } from '../backtest';
import { runWorkerPool } from '../platform/worker-pool';
import type { FoldJob, FoldJobResult } from './fold-run';

export async function runFoldJobsInWorkers(jobs: FoldJob[], o: { workers: number; signal?: AbortSignal; onResult?: () => void }): Promise<FoldJobResult[]> {
  const results: Array<FoldJobResult | undefined> = new Array(jobs.length);
  await runWorkerPool({
    entry: workerLaunch(__filename, 'fold-worker'),
    tasks: jobs,
    workers: o.workers,
    what: 'evaluation',
    signal: o.signal,
    cancelled: 'The evaluation was cancelled.',
    message: (job, id) => ({ type: 'fold', id, job }),
    onReply: (reply, id) => {
      if (reply.type !== 'result' || !reply['result']) return false;
      results[id] = reply['result'] as FoldJobResult;
      o.onResult?.();
      return true;
    },
  });
  return results as FoldJobResult[];
}
