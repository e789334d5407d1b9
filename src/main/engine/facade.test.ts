import { describe, expect, it } from 'vitest';
import { getEngine, resetEngineForTests } from '.';

describe('engine facade', () => {
  it('getEngine() returns one engine, native when the addon is built', () => {
    const e = getEngine();
    expect(getEngine()).toBe(e);
    expect(['native', 'js']).toContain(e.backend);
    if (e.backend === 'js') expect(e.fallbackReason).toBeTruthy();
    else expect(['scalar', 'sse4', 'avx2', 'avx512', 'neon']).toContain(e.simdLevel());
  });

  it('WARPDESK_ENGINE=js selects the reference with a reason', () => {
    const prev = process.env.WARPDESK_ENGINE;
    process.env.WARPDESK_ENGINE = 'js';
    resetEngineForTests();
    try {
      const e = getEngine();
      expect(e.backend).toBe('js');
      expect(e.fallbackReason).toMatch(/WARPDESK_ENGINE/);
    } finally {
      if (prev === undefined) delete process.env.WARPDESK_ENGINE;
      else process.env.WARPDESK_ENGINE = prev;
      resetEngineForTests();
    }
  });
});
