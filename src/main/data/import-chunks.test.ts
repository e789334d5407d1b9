// Issue 12, item 3: big imports travel in chunks of at most IMPORT_CHUNK_CHARS through the host (no 64 MiB
// message); the data set equals a whole import; order, size and the number of imports at once are bounded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Host } from '../host/host';
import { IMPORT_CHUNK_CHARS, type InvokeResult } from '../../shared/contract';
import { dataCapability, IMPORT_IDLE_MS, MAX_PENDING_IMPORTS } from './capability';
import { DataStore } from './store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-chunks-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const csv = fs.readFileSync(path.join(__dirname, '../../../resources/data/usdchf_30min_1996_2001.csv'), 'utf8');

function setup(): { host: Host; clock: { t: number }; store: DataStore } {
  const store = DataStore.open(fs.mkdtempSync(path.join(dir, 'ws-')));
  const clock = { t: 1_000_000 };
  const host = new Host();
  host.register(dataCapability(store, () => clock.t));
  return { host, clock, store };
}

async function ok<T>(p: Promise<InvokeResult<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function code(p: Promise<InvokeResult<unknown>>): Promise<string | undefined> {
  const r = await p;
  return r.ok ? undefined : r.error.code;
}

describe('chunked CSV import', () => {
  it('stores the same data set as a whole import, from chunks of at most 1 MiB', async () => {
    expect(csv.length).toBeGreaterThan(IMPORT_CHUNK_CHARS);
    const { host, store } = setup();
    expect(await code(host.invoke('datasets:import', { name: 'whole', csv }))).toBe('InvalidInput'); // too big to send whole
    const { importId } = await ok<{ importId: string }>(host.invoke('datasets:importBegin', { name: 'chunked', totalChars: csv.length }));
    let index = 0;
    for (let at = 0; at < csv.length; at += IMPORT_CHUNK_CHARS) await ok(host.invoke('datasets:importChunk', { importId, index: index++, chunk: csv.slice(at, at + IMPORT_CHUNK_CHARS) }));
    expect(index).toBeGreaterThan(1);
    const info = await ok<{ id: number; barCount: number }>(host.invoke('datasets:importEnd', { importId }));
    expect(info.barCount).toBe(62496);
    const reference = DataStore.open(fs.mkdtempSync(path.join(dir, 'ref-')));
    const whole = reference.importCsv(csv, { name: 'whole', source: 'test' });
    expect(Array.from(store.bars(info.id).close)).toEqual(Array.from(reference.bars(whole.id).close));
    expect(await code(host.invoke('datasets:importEnd', { importId }))).toBe('NotFound'); // used up
  });

  it('refuses chunks out of order, more than announced, an early end, and too many imports at once', async () => {
    const { host, clock } = setup();
    const begin = (): Promise<{ importId: string }> => ok(host.invoke('datasets:importBegin', { name: 'x', totalChars: 10 }));
    const a = await begin();
    expect(await code(host.invoke('datasets:importChunk', { importId: a.importId, index: 1, chunk: 'abc' }))).toBe('InvalidInput');
    expect(await code(host.invoke('datasets:importChunk', { importId: a.importId, index: 0, chunk: 'x'.repeat(11) }))).toBe('TooLarge');
    expect(await code(host.invoke('datasets:importChunk', { importId: a.importId, index: 0, chunk: 'x' }))).toBe('NotFound'); // dropped
    const b = await begin();
    await ok(host.invoke('datasets:importChunk', { importId: b.importId, index: 0, chunk: 'time,c' }));
    expect(await code(host.invoke('datasets:importEnd', { importId: b.importId }))).toBe('InvalidInput');
    for (let i = 0; i < MAX_PENDING_IMPORTS; i++) await begin();
    expect(await code(host.invoke('datasets:importBegin', { name: 'x', totalChars: 10 }))).toBe('Unavailable');
    // Abandoned imports are dropped after IMPORT_IDLE_MS, which frees their places.
    clock.t += IMPORT_IDLE_MS + 1;
    expect((await begin()).importId).toMatch(/^[\w-]+$/);
    expect(await code(host.invoke('datasets:importBegin', { name: 'x', totalChars: 64 * 1024 * 1024 + 1 }))).toBe('InvalidInput');
  });
});
