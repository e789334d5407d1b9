import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../../shared/contract';
import { createReferenceEngine } from '../../engine';
import { Host } from '../../host/host';
import { backtestCapability } from '../capability';
import { SessionStore } from '../sessions';
import { randomBars } from './util';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(n = 500): { host: Host; dir: string; events: Array<{ event: EventName; payload: unknown }> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-bt-cap-'));
  dirs.push(dir);
  const bars = randomBars(n, 12);
  const host = new Host();
  host.register(backtestCapability({ dataDir: dir, bars: () => bars, engine: createReferenceEngine() }));
  const events: Array<{ event: EventName; payload: unknown }> = [];
  host.onEvent((event, payload) => events.push({ event, payload }));
  return { host, dir, events };
}

describe('backtest capability', () => {
  it('runs with progress events, saves a session in SQLite and reopens it exactly (also after reopening the store)', async () => {
    const { host, dir, events } = setup();
    const res = await host.invoke('backtest:run', { datasetId: 1, timeframe: '1D', params: { window: 10, top: 4, horizon: 3, minHistory: 50 }, compare: true, requestId: 'r1' });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const session = res.value as { id: number; result: { params: { learning: boolean }; equity: number[] }; compare: { params: { learning: boolean } } | null };
    expect(session.result.equity).toHaveLength(500);
    expect(session.compare?.params.learning).toBe(true);
    const progress = events.filter((e) => e.event === 'backtest:progress');
    expect(progress.length).toBeGreaterThan(0);
    expect((progress[progress.length - 1]!.payload as { fraction: number }).fraction).toBe(1);
    const reopened = await host.invoke('backtest:open', { id: session.id });
    expect(reopened).toEqual({ ok: true, value: session });
    const saved = await host.invoke('backtest:saveView', { id: session.id, view: { cursor: 321, speed: 4, playing: false } });
    expect(saved).toEqual({ ok: true, value: { saved: true } });
    await host.close();
    const store = SessionStore.open(dir);
    const again = store.open(session.id);
    expect({ ...again, view: {} }).toEqual({ ...session, view: {} });
    expect(again.view).toEqual({ cursor: 321, speed: 4, playing: false });
    expect(store.list().map((s) => s.id)).toEqual([session.id]);
    expect(store.remove(session.id)).toBe(true);
    expect(() => store.open(session.id)).toThrow(/no backtest session/);
    store.close();
  });

  it('cancels a running backtest and rejects bad requests at the boundary', async () => {
    const { host } = setup(3000);
    const run = host.invoke('backtest:run', { datasetId: 1, timeframe: '1D', params: { window: 16, top: 5, search: 'indexed' }, requestId: 'slow' });
    await new Promise((r) => setTimeout(r, 50));
    const cancel = await host.invoke('backtest:cancel', { requestId: 'slow' });
    expect(cancel).toEqual({ ok: true, value: { cancelled: true } });
    const res = await run;
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('Cancelled');
    const bad = await host.invoke('backtest:run', { datasetId: 1, timeframe: '1D', params: { window: 2 }, requestId: 'x' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('InvalidInput');
    expect(await host.invoke('backtest:sessions', {})).toEqual({ ok: true, value: [] });
    await host.close();
  });
});

describe('backtest capability sweeps', () => {
  it('runs a grid over a stored data set with progress events, results in grid order', async () => {
    const { host, events } = setup(400);
    const res = await host.invoke('backtest:sweep', {
      datasetId: 1,
      timeframe: '1D',
      params: { minHistory: 50 },
      grid: { window: [8, 12], top: [3], horizon: [2], threshold: [0.5, 0.7] },
      requestId: 's1',
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const results = (res.value as { results: Array<{ id: string; error?: string; full: { bars: number } }> }).results;
    expect(results.map((r) => r.id)).toEqual(['W8-k3-H2-t0.5', 'W8-k3-H2-t0.7', 'W12-k3-H2-t0.5', 'W12-k3-H2-t0.7']);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.full.bars).toBeGreaterThan(300);
    }
    const sweepEvents = events.filter((e) => e.event === 'backtest:progress' && (e.payload as { phase: string }).phase === 'sweep');
    expect(sweepEvents).toHaveLength(4);
    await host.close();
  });
});
