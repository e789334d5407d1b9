/**
 * The evaluation capability through the host, as the app calls it: `evaluate:run` validates the request,
 * reports progress (reaching 1) and returns the report; `evaluate:cancel` stops a running evaluation with a
 * Cancelled error (waited for on the progress event, not on time).
 */
import { describe, expect, it } from 'vitest';
import type { EventName } from '../../../shared/contract';
import { getEngine } from '../../engine';
import { Host } from '../../host/host';
import { randomBars } from '../../backtest/test/util';
import { evaluationCapability } from '../capability';

const SETTINGS = { folds: 2, horizon: 3, embargo: 2, grid: { window: [8], top: [3], threshold: [0.6] }, samples: 100, partitions: 4 };

function setup(): { host: Host; events: Array<{ event: EventName; payload: unknown }> } {
  const bars = [randomBars(420, 21), randomBars(400, 22)];
  const host = new Host();
  host.register(evaluationCapability({ bars: (id) => bars[id - 1]!, datasetName: (id) => `series ${id}`, engine: getEngine() }));
  const events: Array<{ event: EventName; payload: unknown }> = [];
  host.onEvent((event, payload) => events.push({ event, payload }));
  return { host, events };
}

describe('evaluation capability', () => {
  it('runs over stored data sets with progress and returns the report with a pooled section', async () => {
    const { host, events } = setup();
    const res = await host.invoke('evaluate:run', {
      datasets: [
        { datasetId: 1, timeframe: '1D' },
        { datasetId: 2, timeframe: '1D' },
      ],
      settings: SETTINGS,
      requestId: 'e1',
    });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const r = res.value as { series: Array<{ name: string }>; pooled: unknown; summary: string };
    expect(r.series.map((s) => s.name)).toEqual(['series 1', 'series 2']);
    expect(r.pooled).not.toBeNull();
    expect(r.summary).toMatch(/walk-forward folds per series/);
    const progress = events.filter((e) => e.event === 'evaluate:progress').map((e) => (e.payload as { fraction: number }).fraction);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(1);
  }, 60_000);

  it('stops a running evaluation on evaluate:cancel with a Cancelled error', async () => {
    const { host, events } = setup();
    const running = host.invoke('evaluate:run', {
      datasets: [
        { datasetId: 1, timeframe: '1D' },
        { datasetId: 2, timeframe: '1D' },
      ],
      settings: SETTINGS,
      requestId: 'e2',
    });
    await expect.poll(() => events.some((e) => e.event === 'evaluate:progress')).toBe(true);
    const c = await host.invoke('evaluate:cancel', { requestId: 'e2' });
    expect(c).toEqual({ ok: true, value: { cancelled: true } });
    const res = await running;
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('Cancelled');
  }, 60_000);

  it('refuses a request without data sets at the boundary', async () => {
    const { host } = setup();
    const res = await host.invoke('evaluate:run', { datasets: [], settings: {}, requestId: 'e3' } as never);
    expect(res.ok).toBe(false);
  });
});
