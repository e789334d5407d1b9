import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from './capabilities';

let ws: Workspace;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-host-'));
  ws = openWorkspace({ dataDir: dir });
});
afterAll(async () => {
  await ws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Host (the contract behind both transports)', () => {
  it('imports the shipped samples into a new workspace, once', async () => {
    const r = await ws.host.invoke('datasets:list', {});
    expect(r.ok).toBe(true);
    const names = r.ok ? (r.value as Array<{ name: string }>).map((d) => d.name) : [];
    expect(names).toHaveLength(3);
    expect(names[0]).toMatch(/US equity composite/);
  });

  it('validates every request at the boundary with a typed error', async () => {
    const unknown = await ws.host.invoke('nope:nothing', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
    const bad = await ws.host.invoke('datasets:bars', { datasetId: -1, timeframe: '1D' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
    const extra = await ws.host.invoke('datasets:list', { sneaky: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
    const missing = await ws.host.invoke('datasets:bars', { datasetId: 999, timeframe: '1D' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NotFound', message: 'There is no data set with id 999.' } });
    const finer = await ws.host.invoke('datasets:bars', { datasetId: 1, timeframe: '1h' });
    expect(finer).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
  });

  it('runs a search with progress events and returns matches', async () => {
    const events: number[] = [];
    const off = ws.host.onEvent((e, p) => {
      if (e === 'analogs:progress') events.push((p as { fraction: number }).fraction);
    });
    const r = await ws.host.invoke('analogs:run', { datasetId: 1, timeframe: '1W', queryStart: 1000, queryEnd: 1019, k: 4, windowRatio: 0.1, horizon: 4, record: false, requestId: 'r1' });
    off();
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.value as { analogs: unknown[] }).analogs).toHaveLength(4);
    expect(events.length).toBeGreaterThan(0);
    expect(events[events.length - 1]).toBe(1);
  });

  it('every contract channel has a handler', () => {
    expect(ws.host.unhandledChannels()).toEqual([]);
  });
});
