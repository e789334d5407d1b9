/**
 * Where the backtest worker process entry (sweep jobs and search-pass chunks) is, and how to fork it.
 * Kept in its own module so the modules that fork workers do not import each other.
 *  - compiled (electron-vite's out/main: the app, the `warpdesk` CLI, a production install, a package):
 *    `sweep-worker.js`, built from sweep-worker.ts as an entry of the main build (electron.vite.config.ts),
 *    next to the running bundle or one folder up (when this code sits in a shared chunk); plain Node runs it;
 *  - from TypeScript sources (vitest): sweep-worker.ts next to this file, with tsx's loader (a dev dependency).
 * Under Electron the fork runs the Electron binary as Node (ELECTRON_RUN_AS_NODE), which reads app.asar.
 * Must never fall back to tsx in compiled code: a missing worker file is an error naming the path.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WarpdeskError } from '../../shared/errors';

/** File name of the compiled worker in the main build's output folder (electron.vite.config.ts `sweep-worker`). */
export const SWEEP_WORKER_BUNDLE = 'sweep-worker.js';

export interface WorkerLaunch {
  /** The entry file to fork. */
  file: string;
  /** Node flags for the child (tsx's loader when running from sources). */
  execArgv: string[];
  /** Extra environment for the child. */
  env: Record<string, string>;
}

/**
 * How to fork a worker from the code that is running now (compiled or TypeScript). `entry` names another
 * worker entry of the main build (e.g. the evaluation's 'fold-worker', next to `here` in the sources).
 */
export function workerLaunch(here: string = __filename, entry = 'sweep-worker'): WorkerLaunch {
  const env: Record<string, string> = process.versions['electron'] ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  if (here.endsWith('.ts')) {
    const file = path.join(path.dirname(here), `${entry}.ts`);
    let loader: string;
    try {
      loader = pathToFileURL(createRequire(file).resolve('tsx')).href;
    } catch (err) {
      throw new WarpdeskError('Unavailable', `Running workers from TypeScript sources needs tsx (a dev dependency), which was not found: ${err instanceof Error ? err.message : String(err)}.`);
    }
    // by absolute URL: a bare `--import tsx` resolves from the current directory, which fails elsewhere
    return { file, execArgv: ['--import', loader], env };
  }
  const dir = path.dirname(here);
  const tried = [dir, path.dirname(dir)].map((d) => path.join(d, entry === 'sweep-worker' ? SWEEP_WORKER_BUNDLE : `${entry}.js`));
  const file = tried.find((f) => fs.existsSync(f));
  if (!file) throw new WarpdeskError('NotFound', `The worker ${entry} is missing from this installation (looked for ${tried.join(' and ')}); rebuild with "npm run build".`);
  return { file, execArgv: [], env };
}
