/**
 * Adapter from the native addon's low-level API (native/index.d.ts) to PatternEngine: validates input
 * with the same rules and messages as the reference, converts the addon's coded errors into
 * WarpdeskError, and turns native async jobs into promises with progress and AbortSignal cancellation.
 * The addon is located from the app root at run time (never from a bundle's __dirname).
 * Must never: let a non-WarpdeskError escape, or poll progress after a job settles.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isErrorCode, WarpdeskError } from '../../shared/errors';
import { checkBatch, checkDtw, checkMulti, checkSearch, checkSeriesList, checkWalk, K } from './reference';
import { refineRows } from './reference/refine-rows';
import { rowBounds } from './reference/row-bounds';
import type { NativeBinding, NativeJob } from './native-types';
import { appRoot } from '../platform/resources';
import type { DtwResult, PatternEngine, SearchMatch } from './types';
import { checkArray, checkCells, checkDistance, checkDistances, checkLcssOptions, identical, quantize } from './validate';

export type { NativeBinding } from './native-types';

function candidateRoots(): string[] {
  const roots: string[] = [];
  const add = (p: string | undefined): void => {
    if (p && !roots.includes(p)) roots.push(p);
  };
  add(process.env.WARPDESK_APP_ROOT);
  try {
    add(appRoot()); // the one resources resolver (development, installed, packaged: app.asar)
  } catch {
    // not inside an installation (e.g. a test bundle in a temporary folder): the walks below still look
  }
  add(typeof __dirname !== 'undefined' ? __dirname : undefined);
  add(process.cwd());
  add((process as unknown as { resourcesPath?: string }).resourcesPath);
  return roots;
}

/** Finds `<app root>/native/index.js` by walking up from __dirname, the working directory and resources. */
export function findNativeEntry(): string | undefined {
  if (process.env.WARPDESK_NATIVE_PATH) return process.env.WARPDESK_NATIVE_PATH;
  for (const start of candidateRoots()) {
    let dir = path.resolve(start);
    for (let i = 0; i < 8; i++) {
      for (const rel of ['native/index.js', 'app.asar.unpacked/native/index.js']) {
        const p = path.join(dir, rel);
        if (fs.existsSync(p) && fs.existsSync(path.join(path.dirname(p), 'package.json'))) return p;
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

let cached: { binding?: NativeBinding; reason: string } | undefined;

export function loadNativeBinding(): { binding?: NativeBinding; reason: string } {
  if (cached) return cached;
  const entry = findNativeEntry();
  if (!entry) return (cached = { reason: 'the native/ package was not found next to the app' });
  // the facade reports a fallback itself (once), so keep the loader's own stderr note quiet
  const quiet = process.env.WARPDESK_QUIET_NATIVE;
  process.env.WARPDESK_QUIET_NATIVE = '1';
  try {
    const req = createRequire(entry);
    const mod = req(entry) as NativeBinding;
    if (mod.backend !== 'native') return (cached = { reason: mod.reason ?? 'the native addon did not load' });
    return (cached = { binding: mod, reason: '' });
  } catch (err) {
    return (cached = { reason: `loading the native addon failed: ${err instanceof Error ? err.message : String(err)}` });
  } finally {
    if (quiet === undefined) delete process.env.WARPDESK_QUIET_NATIVE;
    else process.env.WARPDESK_QUIET_NATIVE = quiet;
  }
}

/** Re-throws anything the addon throws as a WarpdeskError (its `code` property carries the error code). */
export function toWarpdesk(err: unknown): WarpdeskError {
  if (err instanceof WarpdeskError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e && isErrorCode(e.code)) return new WarpdeskError(e.code, message);
  return new WarpdeskError('Internal', `The native engine failed: ${message}`);
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toWarpdesk(err);
  }
}

/**
 * Native jobs still running. On process exit they are cancelled, so the addon's cleanup (which joins its
 * worker threads) returns at once instead of waiting for the job to finish (issue 12: `process.exit()`
 * waited 84 s for a running LCSS matrix).
 */
const runningJobs = new Set<NativeJob<unknown>>();
let exitHooked = false;
function cancelRunningJobs(): void {
  for (const job of runningJobs) job.cancel();
  runningJobs.clear();
}

function runJob<T>(start: () => NativeJob<T>, onProgress?: (f: number) => void, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(new WarpdeskError('Cancelled', 'The engine job was cancelled.'));
  let job: NativeJob<T>;
  try {
    job = start();
  } catch (err) {
    return Promise.reject(toWarpdesk(err));
  }
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', cancelRunningJobs);
  }
  runningJobs.add(job as NativeJob<unknown>);
  const untrack = (): void => void runningJobs.delete(job as NativeJob<unknown>);
  job.promise.then(untrack, untrack);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let last = -1;
    const timer = onProgress
      ? setInterval(() => {
          const f = job.progress();
          if (f !== last) {
            last = f;
            onProgress(f);
          }
        }, 25)
      : undefined;
    const onAbort = (): void => job.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      settled = true;
      if (timer) clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    job.promise.then(
      (v) => {
        if (settled) return;
        done();
        if (signal?.aborted) return reject(new WarpdeskError('Cancelled', 'The engine job was cancelled.'));
        onProgress?.(1);
        resolve(v);
      },
      (err) => {
        if (settled) return;
        done();
        reject(toWarpdesk(err));
      },
    );
  });
}

export function createNativeEngine(nb: NativeBinding): PatternEngine {
  return {
    backend: 'native',
    simdLevel: () => nb.simdLevel(),
    dtw(a, b, options): DtwResult {
      const { x, y, window, absolute, path } = checkDtw(a, b, options);
      return wrap(() => {
        if (path) {
          const r = nb.dtwPath(x, y, window, absolute);
          checkDistance(r.distance);
          const pairs: Array<[number, number]> = [];
          for (let i = 0; i < r.path.length; i += 2) pairs.push([r.path[i]!, r.path[i + 1]!]);
          return { distance: r.distance, similarity: K.similarity(r.distance, x.length, y.length, identical(x, y)), path: pairs };
        }
        const distance = checkDistance(nb.dtw(x, y, window, absolute));
        return { distance, similarity: K.similarity(distance, x.length, y.length, identical(x, y)) };
      });
    },
    dtwBatch(query, candidates, options) {
      const { q, c, window, absolute } = checkBatch(query, candidates, options);
      return checkDistances(wrap(() => nb.dtwBatch(q, c, window, absolute)));
    },
    dtwBatchAsync(query, candidates, options) {
      try {
        const { q, c, window, absolute } = checkBatch(query, candidates, options);
        return runJob(() => nb.dtwBatchAsync(q, c, window, absolute), options?.onProgress, options?.signal).then((d) => checkDistances(d));
      } catch (err) {
        return Promise.reject(toWarpdesk(err));
      }
    },
    searchTopK(series, query, options): SearchMatch[] {
      const { s, q, p } = checkSearch(series, query, options);
      return wrap(() => nb.searchTopK(s, q, p.window, p.k, p.znormalize, p.exclusion));
    },
    searchTopKAsync(series, query, options) {
      try {
        const { s, q, p } = checkSearch(series, query, options);
        return runJob(() => nb.searchTopKAsync(s, q, p.window, p.k, p.znormalize, p.exclusion), options.onProgress, options.signal);
      } catch (err) {
        return Promise.reject(toWarpdesk(err));
      }
    },
    searchWalk(series, walk, options) {
      const { s, p } = checkWalk(series, walk, options);
      return wrap(() => nb.searchWalk(s, walk.queryStart, walk.from, walk.to, walk.length, p.window, p.k, p.znormalize, p.exclusion));
    },
    searchWalkAsync(series, walk, options) {
      try {
        const { s, p } = checkWalk(series, walk, options);
        return runJob(() => nb.searchWalkAsync(s, walk.queryStart, walk.from, walk.to, walk.length, p.window, p.k, p.znormalize, p.exclusion), options.onProgress, options.signal);
      } catch (err) {
        return Promise.reject(toWarpdesk(err));
      }
    },
    quantize,
    dtwMultivariate(a, b, options): DtwResult {
      const { x, y, channels, window, absolute } = checkMulti(a, b, options);
      const distance = checkDistance(
        wrap(() => nb.dtwMulti(x, y, channels, window, absolute)),
        'multivariate DTW distance',
      );
      return { distance, similarity: K.similarity(distance, x.length / channels, y.length / channels, identical(x, y)) };
    },
    lcss(a, b, options): number {
      const x = checkArray(a, 'first series');
      const y = checkArray(b, 'second series');
      const { epsilon, delta } = checkLcssOptions(options);
      checkCells(x.length, y.length, -1, 'LCSS');
      return wrap(() => nb.lcss(x, y, epsilon, delta));
    },
    lcssMatrix(list, options): Float64Array {
      const series = checkSeriesList(list);
      const { epsilon, delta } = checkLcssOptions(options);
      return wrap(() => nb.lcssMatrix(series, epsilon, delta));
    },
    lcssMatrixAsync(list, options) {
      try {
        const series = checkSeriesList(list);
        const { epsilon, delta } = checkLcssOptions(options);
        return runJob(() => nb.lcssMatrixAsync(series, epsilon, delta), options.onProgress, options.signal);
      } catch (err) {
        return Promise.reject(toWarpdesk(err));
      }
    },
    // an addon built before rowBounds existed falls back to the reference (same answer)
    rowBounds: typeof nb.rowBounds === 'function' ? (input) => wrap(() => nb.rowBounds(input)) : rowBounds,
    refineRows: typeof nb.refineRows === 'function' ? (input) => wrap(() => nb.refineRows(input)) : refineRows,
  };
}
