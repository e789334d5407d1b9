/**
 * The engine facade: `getEngine()` returns the native SIMD backend when the addon in `native/` loads,
 * else the TypeScript reference (backend 'js', with `fallbackReason`). Same API, same answers.
 * Everything in Warpdesk uses the pattern engine only through this module.
 * Environment: WARPDESK_ENGINE=js forces the reference; WARPDESK_SIMD=scalar|sse4|avx2|avx512 caps the
 * native kernel level (read by the addon at load time).
 * Every heavy call (searches, batches, LCSS matrices) is metered here (warpdesk_engine_*, midstreamer_pattern_*,
 * docs/metrics.md), whoever calls it: app, CLI, backtest, swarm shards.
 * Must never: throw anything but WarpdeskError from engine calls, or log more than once about a fallback.
 */
import { createReferenceEngine } from './reference';
import { createNativeEngine, loadNativeBinding } from './native-adapter';
import { similarityFromDistance } from '../../shared/numerics';
import { engineMetrics, noteEngine, patternMetrics } from '../metrics';
import type { PatternEngine, SearchMatch } from './types';

export * from './types';
export { similarityFromDistance } from '../../shared/numerics';
export { createReferenceEngine } from './reference';
export { createNativeEngine, loadNativeBinding } from './native-adapter';

let engine: PatternEngine | undefined;
let reported = false;

type Op = 'dtwBatch' | 'dtwBatchAsync' | 'searchTopK' | 'searchTopKAsync' | 'searchWalk' | 'searchWalkAsync' | 'lcssMatrix' | 'lcssMatrixAsync';

/** Records one engine call: count by result, duration, and for searches the matches and their similarity. */
function record(op: Op, backend: string, t0: number, ok: boolean, matches?: SearchMatch[], queryLength?: number): void {
  const seconds = (performance.now() - t0) / 1000;
  engineMetrics.callsTotal.inc({ op, backend, result: ok ? 'ok' : 'error' });
  engineMetrics.durationSeconds.observe({ op, backend }, seconds);
  if (matches && queryLength !== undefined) {
    patternMetrics.matchDurationMs.observe(seconds * 1000);
    patternMetrics.matchesTotal.inc(matches.length);
    for (const m of matches) patternMetrics.similarity.observe(similarityFromDistance(m.distance, queryLength));
  }
}

/**
 * The engine with its heavy calls metered: the same object semantics (backend, simdLevel, every other method
 * reached through the prototype), same answers, same errors.
 */
export function meteredEngine(inner: PatternEngine): PatternEngine {
  const b = inner.backend;
  const sync =
    <A extends unknown[], R>(op: Op, fn: (...a: A) => R, q?: (...a: A) => number, isSearch = false) =>
    (...a: A): R => {
      const t0 = performance.now();
      try {
        const r = fn.apply(inner, a);
        record(op, b, t0, true, isSearch ? (r as SearchMatch[]) : undefined, q?.(...a));
        return r;
      } catch (err) {
        record(op, b, t0, false);
        throw err;
      }
    };
  const async =
    <A extends unknown[], R>(op: Op, fn: (...a: A) => Promise<R>, q?: (...a: A) => number, isSearch = false) =>
    async (...a: A): Promise<R> => {
      const t0 = performance.now();
      try {
        const r = await fn.apply(inner, a);
        record(op, b, t0, true, isSearch ? (r as SearchMatch[]) : undefined, q?.(...a));
        return r;
      } catch (err) {
        record(op, b, t0, false);
        throw err;
      }
    };
  const metered: PatternEngine = Object.create(inner) as PatternEngine;
  const queryLength = (_s: unknown, q: { length: number }): number => q.length;
  Object.assign(metered, {
    searchTopK: sync('searchTopK', inner.searchTopK, queryLength, true),
    searchTopKAsync: async('searchTopKAsync', inner.searchTopKAsync, queryLength, true),
    searchWalk: sync('searchWalk', inner.searchWalk),
    searchWalkAsync: async('searchWalkAsync', inner.searchWalkAsync),
    dtwBatch: sync('dtwBatch', inner.dtwBatch),
    dtwBatchAsync: async('dtwBatchAsync', inner.dtwBatchAsync),
    lcssMatrix: sync('lcssMatrix', inner.lcssMatrix),
    lcssMatrixAsync: async('lcssMatrixAsync', inner.lcssMatrixAsync),
  });
  return metered;
}

function chosen(e: PatternEngine): PatternEngine {
  noteEngine({ backend: e.backend, simd: e.simdLevel() });
  return meteredEngine(e);
}

export function getEngine(): PatternEngine {
  if (engine) return engine;
  if (process.env.WARPDESK_ENGINE === 'js') {
    engine = chosen(createReferenceEngine('WARPDESK_ENGINE=js selects the TypeScript reference engine.'));
    return engine;
  }
  const loaded = loadNativeBinding();
  if (loaded.binding) {
    engine = chosen(createNativeEngine(loaded.binding));
  } else {
    engine = chosen(createReferenceEngine(loaded.reason));
    if (!reported) {
      reported = true;
      process.emitWarning(`Warpdesk engine: using the TypeScript reference engine (${loaded.reason}).`, { code: 'WARPDESK_ENGINE_FALLBACK' });
    }
  }
  return engine;
}

/** For tests: drop the cached engine so the next getEngine() re-reads the environment. */
export function resetEngineForTests(): void {
  engine = undefined;
}
