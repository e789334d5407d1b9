/**
 * Path of the backtest worker process entry (sweep jobs and search-pass chunks), forked with `--import tsx`.
 * Kept in its own module so the modules that fork workers do not import each other.
 */
import path from 'node:path';

export const WORKER_ENTRY = path.join(__dirname, 'sweep-worker.ts');
