/**
 * The engine facade: `getEngine()` returns the native SIMD backend when the addon in `native/` loads,
 * else the TypeScript reference (backend 'js', with `fallbackReason`). Same API, same answers.
 * Everything in Warpdesk uses the pattern engine only through this module.
 * Environment: WARPDESK_ENGINE=js forces the reference; WARPDESK_SIMD=scalar|sse4|avx2|avx512 caps the
 * native kernel level (read by the addon at load time).
 * Must never: throw anything but WarpdeskError from engine calls, or log more than once about a fallback.
 */
import { createReferenceEngine } from './reference';
import { createNativeEngine, loadNativeBinding } from './native-adapter';
import { WarpdeskError } from '../../shared/errors';
import type { AsyncOptions, NumericArray, PatternEngine, SearchMatch } from './types';

export * from './types';
export { createReferenceEngine } from './reference';
export { createNativeEngine, loadNativeBinding } from './native-adapter';

let engine: PatternEngine | undefined;
let reported = false;

export function getEngine(): PatternEngine {
  if (engine) return engine;
  if (process.env.WARPDESK_ENGINE === 'js') {
    engine = createReferenceEngine('WARPDESK_ENGINE=js selects the TypeScript reference engine.');
    return engine;
  }
  const loaded = loadNativeBinding();
  if (loaded.binding) {
    engine = createNativeEngine(loaded.binding);
  } else {
    engine = createReferenceEngine(loaded.reason);
    if (!reported) {
      reported = true;
      process.emitWarning(`Warpdesk engine: using the TypeScript reference engine (${loaded.reason}).`, { code: 'WARPDESK_ENGINE_FALLBACK' });
    }
  }
  return engine;
}

/**
 * The app's analog search as the UI uses it: the series is every close before the selection, the query is
 * the selected closes, window = ceil(0.1 * m), z-normalised; runs off the JS thread.
 */
export function findAnalogs(
  closes: NumericArray,
  selection: { start: number; end: number },
  options: { k?: number; windowRatio?: number; exclusionZone?: number } & AsyncOptions = {},
): Promise<SearchMatch[]> {
  const { start, end } = selection;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > closes.length || end - start < 2)
    return Promise.reject(new WarpdeskError('InvalidInput', 'The selection must cover at least two bars inside the series.'));
  if (start < end - start)
    return Promise.reject(new WarpdeskError('InvalidDimensions', 'There is not enough history before the selection to search for analogs.'));
  const query = closes.subarray(start, end);
  const m = query.length;
  return getEngine().searchTopKAsync(closes.subarray(0, start), query, {
    window: Math.ceil((options.windowRatio ?? 0.1) * m),
    k: options.k ?? 10,
    znormalize: true,
    exclusionZone: options.exclusionZone,
    onProgress: options.onProgress,
    signal: options.signal,
  });
}

/** For tests: drop the cached engine so the next getEngine() re-reads the environment. */
export function resetEngineForTests(): void {
  engine = undefined;
}
