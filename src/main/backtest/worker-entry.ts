/**
 * Path of the backtest worker process entry (sweep jobs and search-pass chunks), forked with `--import tsx`.
 * Kept in its own module so the modules that fork workers do not import each other.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const WORKER_ENTRY = path.join(__dirname, 'sweep-worker.ts');

/**
 * Node flags for a worker: load tsx's loader by absolute URL (a bare `--import tsx` resolves from the
 * current directory, which fails when warpdesk runs elsewhere).
 */
export function workerExecArgv(): string[] {
  const req = createRequire(path.join(__dirname, 'worker-entry.ts'));
  return ['--import', pathToFileURL(req.resolve('tsx')).href];
}
