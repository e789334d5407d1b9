/** The strategy capability through the app host: analogs:run (search, decide, record, judge as data allows) -> Learning view data. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../../../shared/market';
import { openWorkspace, type Workspace } from '../../host/capabilities';
import { decideSignal, forecastFrom, outcomeFromBars, type Analog } from '..';

let ws: Workspace;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-memcap-'));
  ws = openWorkspace({ dataDir: dir });
});
afterAll(async () => {
  await ws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function ok<T>(channel: string, request: unknown): Promise<T> {
  const r = await ws.host.invoke(channel, request);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

interface RunResult {
  backend: string;
  engineNote?: string;
  experience: { id: string; judged: boolean } | null;
  settled: number;
  past: Array<{ id: string; verdict?: unknown }>;
  analogs: Array<{ end: number; similarity: number; admitted: boolean }>;
  decision: { signal: string; reason: string; confidence: number; gate: number; similarityThreshold: number };
  forecast: { admitted: number; belowThreshold: number };
}

async function searchAndRecord(queryStart: number, queryEnd: number): Promise<RunResult & { experienceId: string }> {
  const r = await ok<RunResult>('analogs:run', { datasetId: 1, timeframe: '1W', queryStart, queryEnd, windowRatio: 0.1, horizon: 4, k: 5, requestId: `s${queryStart}` });
  return { ...r, experienceId: r.experience!.id };
}

describe('memory capability', () => {
  it('records searches, judges them once their horizon is in the data, and ranks past experiences', async () => {
    const events: unknown[] = [];
    const off = ws.host.onEvent((e, p) => e === 'memory:changed' && events.push(p));
    const first = await searchAndRecord(1000, 1019);
    expect(first.experienceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.experience!.judged).toBe(true); // bar 1019 + 4 weeks is history already
    for (const a of first.analogs) {
      expect(a.end + 4).toBeLessThan(1019); // outcomes known at the decision
      expect(a.end).toBeLessThan(1000); // and before the query begins
      expect(a.admitted).toBe(a.similarity >= first.decision.similarityThreshold);
    }
    expect(first.forecast.admitted + first.forecast.belowThreshold).toBe(first.analogs.length);
    const second = await searchAndRecord(1040, 1059);
    expect(second.past.map((p) => p.id)).toContain(first.experienceId);
    expect(second.past.find((p) => p.id === first.experienceId)!.verdict).toMatchObject({ success: expect.any(Boolean) });
    off();
    expect(events.at(-1)).toEqual({ experiences: 2, verdicts: 2 });

    const list = await ok<{ items: Array<{ id: string; verdict: { quality: number } | null; dataset: string }> }>('memory:experiences', {});
    expect(list.items.map((i) => i.id)).toEqual([second.experienceId, first.experienceId]);
    for (const i of list.items) expect(i.verdict!.quality).toBeGreaterThanOrEqual(0);
    const traj = await ok<{ series: Array<{ threshold: { patternType: string; version: number }; points: unknown[] }> }>('memory:trajectory', {});
    expect(traj.series).toHaveLength(1);
    expect(traj.series[0]!.threshold).toMatchObject({ patternType: 'analog:1W', version: 2 });
    expect(traj.series[0]!.points).toHaveLength(2);
    const ranked = await ok<{ items: Array<{ id: string; score: number; similarity: number; recency: number; reliability: number }> }>('memory:retrieve', {
      datasetId: 1,
      timeframe: '1W',
      queryStart: 1040,
      queryEnd: 1059,
      k: 2,
    });
    expect(ranked.items[0]!.id).toBe(second.experienceId);
    for (const it of ranked.items) expect(it.score).toBeCloseTo(it.similarity * it.recency * it.reliability, 12);
    expect(await ok('memory:stats', { verify: true })).toMatchObject({ experiences: 2, verdicts: 2, chain: { ok: true, links: 4 } });
  });

  it('keeps a query at the end of the data pending until the data arrives', async () => {
    const { bars } = await ok<{ bars: { time: number[] } }>('datasets:bars', { datasetId: 1, timeframe: '1W' });
    const last = bars.time.length - 1;
    const r = await searchAndRecord(last - 19, last);
    expect(r.experience!.judged).toBe(false);
    expect(await ok('memory:settle-due', {})).toEqual({ settled: 0, pending: 1 });
  });

  it('rejects a query past the end of the data, or without history before it, with a sentence', async () => {
    const q = { datasetId: 1, timeframe: '1W', windowRatio: 0.1, horizon: 4, k: 5 };
    const past = await ws.host.invoke('analogs:run', { ...q, queryStart: 100000, queryEnd: 100019, requestId: 'far' });
    expect(past).toMatchObject({ ok: false, error: { code: 'InvalidInput', message: expect.stringContaining('bars at 1W') } });
    const early = await ws.host.invoke('analogs:run', { ...q, queryStart: 10, queryEnd: 29, requestId: 'early' });
    expect(early).toMatchObject({ ok: false, error: { code: 'InvalidInput', message: expect.stringContaining('needs at least') } });
  });

  it('record: false decides from the learned gates without writing', async () => {
    const before = await ok<{ experiences: number }>('memory:stats', {});
    const r = await ok<RunResult>('analogs:run', { datasetId: 1, timeframe: '1W', queryStart: 900, queryEnd: 919, windowRatio: 0.1, horizon: 4, k: 5, record: false, requestId: 'ro' });
    expect(r.experience).toBeNull();
    expect(['long', 'short', 'flat']).toContain(r.decision.signal);
    // the reference engine says why the native one is not in use; the native engine carries no note
    if (r.backend === 'native') expect(r.engineNote).toBeUndefined();
    else expect(r.engineNote).toMatch(/\w/);
    expect(await ok<{ experiences: number }>('memory:stats', {})).toMatchObject({ experiences: before.experiences });
  });
});

describe('outcome and signal from data', () => {
  const bars = (close: number[], high = close, low = close): Bars => ({
    time: Float64Array.from(close.map((_, i) => i)),
    open: Float64Array.from(close),
    high: Float64Array.from(high),
    low: Float64Array.from(low),
    close: Float64Array.from(close),
    volume: new Float64Array(close.length),
  });

  it('measures realized return, adverse excursion and time to target', () => {
    const b = bars([100, 99, 103, 106, 104], [100, 100, 104, 107, 105], [100, 97, 101, 105, 103]);
    expect(outcomeFromBars(b, 0, 4, 'long', 0.05)).toEqual({ realizedReturn: expect.closeTo(0.04, 12), mae: expect.closeTo(0.03, 12), timeToTarget: 3 });
    expect(outcomeFromBars(b, 0, 4, 'short', 0.02)).toMatchObject({ mae: expect.closeTo(0.07, 12), timeToTarget: 1 });
    expect(outcomeFromBars(b, 0, 4, 'long', null)!.timeToTarget).toBeNull();
    expect(outcomeFromBars(b, 1, 4, 'long', 0.01)).toBeNull(); // horizon not in the data yet
  });

  const analog = (forwardReturn: number, similarity = 0.9): Analog => ({ start: 0, end: 1, distance: 1, similarity, forwardReturn });

  it('forecasts from the admitted analogs: majority view, ties broken by the mean, agreement share', () => {
    const f = forecastFrom([analog(0.02), analog(0.01), analog(-0.01), analog(-0.5, 0.1)], 0.5);
    expect(f).toMatchObject({ analogs: 4, admitted: 3, belowThreshold: 1, view: 'long', agreement: 2 / 3, upShare: 2 / 3 });
    expect(f.mean).toBeCloseTo(0.02 / 3, 12);
    expect(forecastFrom([analog(0.01), analog(-0.03)], 0.5)).toMatchObject({ view: 'short', agreement: 0.5 });
    expect(forecastFrom([analog(0.01, 0.2)], 0.5)).toMatchObject({ admitted: 0, view: 'flat', agreement: 0, mean: null });
  });

  it('decides with one rule: gate, edge, shorts, sizing', () => {
    const p = { minEdge: 0, sizing: 'fixed' as const, allowShort: true };
    const up = forecastFrom([analog(0.02), analog(0.01), analog(-0.01)], 0);
    expect(decideSignal(up, 0.6, p)).toEqual({ signal: 'long', reason: 'trade', confidence: 2 / 3, size: 1 });
    expect(decideSignal(up, 0.7, p)).toMatchObject({ signal: 'flat', reason: 'below-gate' });
    expect(decideSignal(up, 0.6, { ...p, minEdge: 0.01 })).toMatchObject({ signal: 'flat', reason: 'no-edge' });
    // Majority up but the mean is down: the analogs disagree.
    expect(decideSignal(forecastFrom([analog(0.01), analog(0.01), analog(-0.1)], 0), 0.5, p)).toMatchObject({ signal: 'flat', reason: 'no-edge' });
    const down = forecastFrom([analog(-0.02), analog(-0.01), analog(-0.01), analog(0.01)], 0);
    expect(decideSignal(down, 0.6, { ...p, allowShort: false })).toMatchObject({ signal: 'flat', reason: 'no-shorts' });
    expect(decideSignal(down, 0.6, { ...p, sizing: 'confidence' })).toMatchObject({ signal: 'short', size: 0.5 });
    expect(decideSignal(forecastFrom([], 0), 0.5, p)).toMatchObject({ signal: 'flat', reason: 'no-analogs' });
  });
});
