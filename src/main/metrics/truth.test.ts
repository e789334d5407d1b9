/**
 * The metrics tell the truth: the memory's learning metrics equal what the memory itself reports after each
 * committed verdict (real SQLite, a scratch memory stays out), and the engine facade meters every search
 * without changing its answer (fast-check against the unmetered engine as the oracle).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceEngine, getEngine, meteredEngine } from '../engine';
import { generateKey, openMemory, openScratchMemory, staticKeyProvider } from '../memory';
import { experience, rng, walk } from '../memory/test/helpers';
import { registry } from '.';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The current value of a series of the live registry (0 when it has none yet). */
async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const values = (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return values.reduce((s, v) => s + v.value, 0);
}

describe('learning metrics follow the memory', () => {
  it('quality score, thresholds, success rate and counters after each verdict; a rolled-back write publishes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-metrics-truth-'));
    dirs.push(dir);
    const m = await openMemory({ dataDir: dir, keyProvider: staticKeyProvider([generateKey()]), agentId: 'agent-metrics' });
    try {
      const r = rng(7);
      const patternType = 'analog:metrics-test';
      const experiencesBefore = await value('reasoningbank_experiences_total', { origin: 'local' });
      const ids = m.recordExperiences(Array.from({ length: 6 }, () => experience(walk(32, r), { patternType }))).map((e) => e.id);
      expect(await value('reasoningbank_experiences_total', { origin: 'local' })).toBe(experiencesBefore + 6);
      for (const id of ids) {
        const verdictsBefore = await value('reasoningbank_verdicts_total', { origin: 'local' });
        const v = m.settle(id, { realizedReturn: (r() - 0.5) * 0.04, mae: 0.002, timeToTarget: null });
        const t = m.threshold(patternType);
        expect(await value('reasoningbank_quality_score')).toBe(v.quality);
        expect(await value('reasoningbank_similarity_threshold', { pattern_type: patternType })).toBe(t.similarityThreshold);
        expect(await value('reasoningbank_success_rate', { pattern_type: patternType })).toBe(t.successRate);
        expect(await value('reasoningbank_verdicts_total', { origin: 'local' })).toBe(verdictsBefore + 1);
      }
      // A second verdict on the same experience is refused inside the transaction: no metric moves.
      const quality = await value('reasoningbank_quality_score');
      const verdicts = await value('reasoningbank_verdicts_total');
      expect(() => m.settle(ids[0]!, { realizedReturn: 0.5, mae: 0, timeToTarget: null })).toThrow();
      expect(await value('reasoningbank_quality_score')).toBe(quality);
      expect(await value('reasoningbank_verdicts_total')).toBe(verdicts);
      const ok = await value('reasoningbank_audit_verifications_total', { result: 'ok' });
      expect(m.verifyChain().ok).toBe(true);
      expect(await value('reasoningbank_audit_verifications_total', { result: 'ok' })).toBe(ok + 1);
    } finally {
      m.close();
    }
  });

  it("a scratch memory (a backtest's) leaves the learning metrics alone", async () => {
    const s = openScratchMemory();
    try {
      const r = rng(11);
      const before = await registry.getMetricsAsJSON();
      const learning = (j: typeof before) => JSON.stringify(j.filter((x) => x.name.startsWith('reasoningbank_')));
      const ids = s.recordExperiences(Array.from({ length: 3 }, () => experience(walk(32, r), { patternType: 'analog:scratch' }))).map((e) => e.id);
      for (const id of ids) s.settle(id, { realizedReturn: 0.01, mae: 0.001, timeToTarget: null });
      expect(learning(await registry.getMetricsAsJSON())).toBe(learning(before));
    } finally {
      s.remove();
    }
  });
});

/** Observations of the similarity histogram so far (its _count sample). */
async function similarityCount(): Promise<number> {
  const values = (await registry.getSingleMetric('midstreamer_pattern_similarity')!.get()).values as Array<{ value: number; metricName?: string }>;
  return values.find((v) => v.metricName === 'midstreamer_pattern_similarity_count')?.value ?? 0;
}

describe('the engine facade meters searches without changing them', () => {
  it('getEngine() answers like the bare backend and counts each search and its matches (property)', async () => {
    const metered = getEngine();
    const bare = createReferenceEngine();
    const backend = metered.backend;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 8, max: 24 }), fc.integer({ min: 1, max: 5 }), async (seed, m, k) => {
        const r = rng(seed);
        const series = Float64Array.from(walk(400, r));
        const query = Float64Array.from(walk(m, r));
        const calls = await value('warpdesk_engine_calls_total', { op: 'searchTopK', backend, result: 'ok' });
        const matches = await value('midstreamer_pattern_matches_total');
        const similarities = await similarityCount();
        const got = metered.searchTopK(series, query, { window: 3, k });
        const want = bare.searchTopK(series, query, { window: 3, k });
        expect(got.map((x) => x.index)).toEqual(want.map((x) => x.index));
        for (let i = 0; i < got.length; i++) expect(got[i]!.distance).toBeCloseTo(want[i]!.distance, 6);
        expect(await value('warpdesk_engine_calls_total', { op: 'searchTopK', backend, result: 'ok' })).toBe(calls + 1);
        expect(await value('midstreamer_pattern_matches_total')).toBe(matches + got.length);
        const after = await similarityCount();
        expect(after).toBe(similarities + got.length);
      }),
      { numRuns: 25 },
    );
  });

  it('a failed call is counted as an error and rethrown unchanged', async () => {
    const e = meteredEngine(createReferenceEngine());
    const before = await value('warpdesk_engine_calls_total', { op: 'searchTopK', backend: 'js', result: 'error' });
    expect(() => e.searchTopK(new Float64Array(4), new Float64Array(8), { window: 1, k: 1 })).toThrow(/InvalidDimensions|shorter|longer/i);
    expect(await value('warpdesk_engine_calls_total', { op: 'searchTopK', backend: 'js', result: 'error' })).toBe(before + 1);
    const asyncBefore = await value('warpdesk_engine_calls_total', { op: 'searchTopKAsync', backend: 'js', result: 'error' });
    await expect(e.searchTopKAsync(new Float64Array(4), new Float64Array(8), { window: 1, k: 1 })).rejects.toThrow();
    expect(await value('warpdesk_engine_calls_total', { op: 'searchTopKAsync', backend: 'js', result: 'error' })).toBe(asyncBefore + 1);
  });

  it('warpdesk_build_info names the version, backend and SIMD level of this process', async () => {
    const e = getEngine();
    const info = (await registry.getSingleMetric('warpdesk_build_info')!.get()).values;
    expect(info).toHaveLength(1);
    expect(info[0]!.value).toBe(1);
    expect(info[0]!.labels).toMatchObject({ backend: e.backend, simd: e.simdLevel(), version: JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')).version });
  });
});
