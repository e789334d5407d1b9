/** The memory capability through the app host: search -> record -> judged as data allows -> Learning view data. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../../../shared/market';
import { openWorkspace, type Workspace } from '../../host/capabilities';
import { outcomeFromBars, signalFromMatches } from '../capability';

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

async function searchAndRecord(queryStart: number, queryEnd: number): Promise<{ experienceId: string; settled: number; past: Array<{ id: string; verdict?: unknown }> }> {
  const q = { datasetId: 1, timeframe: '1W', queryStart, queryEnd, windowRatio: 0.1, horizon: 4 };
  const found = await ok<{ matches: unknown[] }>('search:run', { ...q, k: 5, requestId: `s${queryStart}` });
  return ok('memory:record-search', { ...q, matches: found.matches });
}

describe('memory capability', () => {
  it('records searches, judges them once their horizon is in the data, and ranks past experiences', async () => {
    const events: unknown[] = [];
    const off = ws.host.onEvent((e, p) => e === 'memory:changed' && events.push(p));
    const first = await searchAndRecord(1000, 1019);
    expect(first.experienceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.settled).toBe(1); // bar 1019 + 4 weeks is history already
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
    expect(r.settled).toBe(0);
    expect(await ok('memory:settle-due', {})).toEqual({ settled: 0, pending: 1 });
  });

  it('rejects a query past the end of the data with a typed error', async () => {
    const r = await ws.host.invoke('memory:record-search', { datasetId: 1, timeframe: '1W', queryStart: 100000, queryEnd: 100019, horizon: 4, matches: [] });
    expect(r).toMatchObject({ ok: false, error: { code: 'InvalidDimensions' } });
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

  it('derives the signal from the analogs', () => {
    expect(signalFromMatches([0.02, 0.01, -0.01, null])).toEqual({ signal: 'long', confidence: 2 / 3, expectedMove: expect.closeTo(0.02 / 3, 12) });
    expect(signalFromMatches([-0.02, -0.01])).toMatchObject({ signal: 'short', confidence: 1 });
    expect(signalFromMatches([null])).toEqual({ signal: 'flat', confidence: 0.5, expectedMove: null });
  });
});
