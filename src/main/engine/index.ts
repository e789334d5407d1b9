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
export { similarityFromDistance } from '../../shared/numerics';
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

/** For tests: drop the cached engine so the next getEngine() re-reads the environment. */
export function resetEngineForTests(): void {
  engine = undefined;
}
